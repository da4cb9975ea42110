// Runtime resolution of the @ticketflow/* aliases (tsconfig.base.json paths) to the compiled libs in dist/.
//   node -r ./tools/register-paths.js dist/apps/<service>/src/main.js
const { join } = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

register({ baseUrl: join(__dirname, '../dist'), paths: compilerOptions.paths });
