export { createProgram, runCli } from './main.js';
