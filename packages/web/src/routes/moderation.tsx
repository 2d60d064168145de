// The moderation console lives in src/moderation/ (its own lazy chunk).
export { default } from '../moderation/console.js';
