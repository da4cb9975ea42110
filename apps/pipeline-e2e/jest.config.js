module.exports = { ...require('../../jest.preset'), displayName: 'webhook-gateway', rootDir: __dirname };
