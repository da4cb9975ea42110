module.exports = { ...require('../../jest.preset'), displayName: 'kafka', rootDir: __dirname };
