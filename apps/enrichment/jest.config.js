module.exports = { ...require('../../jest.preset'), displayName: 'enrichment', rootDir: __dirname };
