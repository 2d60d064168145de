import { NotYet } from './not-yet.js';

export default function Moderation() {
  return (
    <NotYet
      title="Moderation console"
      what="Not built yet: the console arrives with the moderation API (issue 8's second part)."
    />
  );
}
