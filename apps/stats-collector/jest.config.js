module.exports = { ...require('../../jest.preset'), displayName: 'stats-collector', rootDir: __dirname };
