module.exports = { ...require('../../jest.preset'), displayName: 'observability', rootDir: __dirname };
