module.exports = { ...require('../../jest.preset'), displayName: 'lint', rootDir: __dirname };
