module.exports = { ...require('../../jest.preset'), displayName: 'auditor', rootDir: __dirname };
