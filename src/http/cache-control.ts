import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * `Cache-Control: no-store` on every response to a logged-in request and on every file
 * sent as a download (Content-Disposition), so no browser or proxy keeps a copy of a
 * personal page, an export or a material on a shared office computer after logout.
 *
 * It is set when the headers are written, so it also replaces what a handler chose
 * itself: material downloads say `private, no-cache` to let the browser revalidate by
 * ETag. That is given up on purpose: a browser that stores nothing sends no If-None-Match,
 * so it fetches the file again, but the server still answers If-None-Match / If-Range
 * with 304 / 206 for clients that send them, and range requests (seeking in a video)
 * work the same with no-store.
 *
 * Mounted after the static files (they keep their caching) and after Passport (so a
 * logged-in request is known); anonymous pages such as the catalogue and /verify are
 * left as their handlers send them.
 */
export function noStoreForPersonalResponses(req: Request, res: Response, next: NextFunction): void {
  onHeaders(res, () => {
    if (req.user || res.getHeader('Content-Disposition') !== undefined) res.setHeader('Cache-Control', 'no-store');
  });
  next();
}
