import { type ComponentType, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type RouteName, routeOf, usePath } from './router.js';

type RouteModule = { default: ComponentType<{ path: string }> };

// One chunk per route (the build's size report is per route).
const loaders: Record<RouteName, () => Promise<RouteModule>> = {
  messenger: () => import('./messenger/messenger.js'),
  moderation: () => import('./routes/moderation.js'),
  transparency: () => import('./routes/transparency.js'),
};

function App() {
  const path = usePath();
  const route = routeOf(path);
  const [loaded, setLoaded] = useState<{ route: RouteName; Component: RouteModule['default'] } | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    loaders[route]().then(
      (m) => live && setLoaded({ route, Component: m.default }),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [route]);
  if (failed) return <p role="alert">This page could not be loaded. Check your connection and reload.</p>;
  if (loaded === undefined || loaded.route !== route) return <p class="loading">Loading…</p>;
  return <loaded.Component path={path} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
