module.exports = { ...require('../../jest.preset'), displayName: 'enrichment-lib', rootDir: __dirname };
