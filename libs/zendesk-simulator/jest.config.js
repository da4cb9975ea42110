module.exports = {
  ...require('../../jest.preset'),
  displayName: 'zendesk-simulator-lib',
  rootDir: __dirname,
};
