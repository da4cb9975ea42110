module.exports = { ...require('../../jest.preset'), displayName: 'chart', rootDir: __dirname };
