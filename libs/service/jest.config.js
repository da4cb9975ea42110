module.exports = { ...require('../../jest.preset'), displayName: 'service', rootDir: __dirname };
