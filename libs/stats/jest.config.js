module.exports = { ...require('../../jest.preset'), displayName: 'stats', rootDir: __dirname };
