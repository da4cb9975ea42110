module.exports = { ...require('../../jest.preset'), displayName: 'alerting-lib', rootDir: __dirname };
