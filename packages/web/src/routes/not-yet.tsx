/** The pages that come with later issues: the route exists so links and the server's fallback are already right. */
export function NotYet(props: { title: string; what: string }) {
  return (
    <main class="not-yet">
      <h1>{props.title}</h1>
      <p>{props.what}</p>
      <p>
        <a href="/">Back to the messenger</a>
      </p>
    </main>
  );
}
