module.exports = { ...require('../../jest.preset'), displayName: 'pipeline-e2e', rootDir: __dirname };
