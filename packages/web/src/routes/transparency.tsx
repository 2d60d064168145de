import { NotYet } from './not-yet.js';

export default function Transparency() {
  return (
    <NotYet
      title="Transparency log"
      what="Not built yet. Meanwhile, verify the log yourself: npx fulcrum log verify --server <this server's URL>."
    />
  );
}
