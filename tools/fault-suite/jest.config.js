module.exports = { ...require('../../jest.preset'), displayName: 'fault-suite', rootDir: __dirname };
