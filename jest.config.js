const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/**
 * NestJS 12 and some of its dependencies ship ES modules only. Node 20 loads
 * them through require(esm), but jest's CommonJS runtime cannot, so those
 * packages (found by their "type": "module") are transformed like our code.
 */
function esmPackages(dir = join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of esmPackages(join(dir, entry.name))) names.push(`${entry.name}/${scoped}`);
      continue;
    }
    try {
      const pkg = JSON.parse(readFileSync(join(dir, entry.name, 'package.json'), 'utf8'));
      if (pkg.type === 'module') names.push(entry.name);
    } catch {
      // not a package folder
    }
  }
  return names;
}

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/packages/widget-guard/src'],
  // The workspace package is tested from its sources, as the app imports it (by name).
  moduleNameMapper: {
    '^@hissuno/widget-guard$': '<rootDir>/packages/widget-guard/src/index.ts',
    '^@hissuno/widget-guard/(nest|fastify|express)$': '<rootDir>/packages/widget-guard/src/$1/index.ts',
  },
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().map(escape).join('|')})/)`],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 60000,
};
