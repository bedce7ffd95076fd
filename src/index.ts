export * from './errors.js';
export * from './handler/index.js';
export * from './service/index.js';
