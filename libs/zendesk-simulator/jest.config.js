module.exports = { ...require('../../jest.preset'), displayName: 'zendesk-simulator', rootDir: __dirname };
