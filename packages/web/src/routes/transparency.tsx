// The public transparency page lives in src/transparency/ (its own lazy chunk).
export { default } from '../transparency/page.js';
