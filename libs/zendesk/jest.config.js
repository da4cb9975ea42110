module.exports = { ...require('../../jest.preset'), displayName: 'zendesk', rootDir: __dirname };
