import type { Express } from 'express';

type Layer = {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
};

/** Every "METHOD /path" registered on the app (as written in the router), found by walking Express 5's router stack. */
export function routesInApp(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new Error(`route with a non-string path under ${prefix || '/'}: give it a plain path or extend this walker`);
          for (const method of Object.keys(layer.route.methods)) found.push(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${prefix}${path}`);
        }
      } else if (layer.handle?.stack) {
        if (layer.slash) walk(layer.handle.stack, prefix);
        else if (typeof layer.rawPath === 'string') walk(layer.handle.stack, `${prefix}${layer.rawPath.replace(/\/$/, '')}`);
        else throw new Error('router mounted on a non-string path: mount it on a plain path or extend this walker');
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}
