/**
 * A path router small enough to read: the server answers every client route with index.html
 * (SPA fallback), and each route's code is loaded on demand so the messenger's bundle carries
 * nothing of the moderation console or the transparency page.
 */
import { useEffect, useState } from 'preact/hooks';

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return path;
}

export type RouteName = 'messenger' | 'moderation' | 'transparency';

/** Which top-level route a path belongs to (the later pages get their own prefixes). */
export function routeOf(path: string): RouteName {
  if (path === '/moderation' || path.startsWith('/moderation/')) return 'moderation';
  if (path === '/transparency' || path.startsWith('/transparency/')) return 'transparency';
  return 'messenger';
}
