import type { Writable } from 'node:stream';
import archiver from 'archiver';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { CatalogService } from '../catalog/catalog.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { streamCertificates } from './certificate.pdf';
import * as queries from './certificates.queries';
import type { CertificateTemplateService } from './template.service';

export type PrintedOffering = { id: number; title: string; programme_title: string };

/** Certificates read per query while streaming: memory stays flat however large the offering. */
const BATCH = 10;

/** A name for a file inside the ZIP: letters (umlauts too), digits and dashes. */
function zipEntryName(name: string): string {
  return name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** Printing all valid certificates of an offering at once: one PDF, or a ZIP of the stored PDFs. */
export function createCertificatePrinting(deps: { db: Database; config: Config; catalog: CatalogService; templates: CertificateTemplateService }) {
  const { db, config, catalog, templates } = deps;
  return {
    /** The offering to print, to coordinators only: checked before the first byte of a stream goes out. */
    async offeringForPrinting(user: SessionUser, offeringId: number): Promise<PrintedOffering> {
      assertCan(user, 'certificates.manage');
      const offering = await catalog.offeringSummary(offeringId);
      if (!offering) throw new NotFound();
      return offering;
    },

    /**
     * All valid certificates of an offering as one PDF, drawn page by page from their
     * snapshots in batches while the client reads (memory stays flat).
     */
    async streamOfferingPdf(user: SessionUser, offering: PrintedOffering, output: Writable, title: string) {
      assertCan(user, 'certificates.manage');
      const offeringId = offering.id;
      async function* batches() {
        let afterId = 0;
        for (;;) {
          const rows = await queries.selectValidOfOfferingBatch(db, offeringId, afterId, BATCH);
          if (rows.length === 0) return;
          afterId = rows[rows.length - 1]!.id;
          yield rows.map((row) => row.snapshot);
        }
      }
      // Certificates keep the template they were issued with, so their images are loaded, not today's.
      const images = await templates.imageSource(await queries.selectTemplatesOfOffering(db, offeringId));
      return streamCertificates(output, { title, subject: offering.programme_title, author: config.region.name }, batches(), images);
    },

    /** All valid certificates of an offering as a ZIP of their stored PDFs, named by serial. */
    async streamOfferingZip(user: SessionUser, offering: PrintedOffering, output: Writable) {
      assertCan(user, 'certificates.manage');
      const offeringId = offering.id;
      // Stored, not deflated: the PDFs are compressed already, deflating them again only costs time.
      const archive = archiver('zip', { store: true });
      const done = new Promise<void>((resolve, reject) => {
        output.on('close', resolve);
        output.on('finish', resolve);
        archive.on('error', reject);
      });
      archive.pipe(output);
      let afterId = 0;
      for (;;) {
        const rows = await queries.selectValidPdfsOfOfferingBatch(db, offeringId, afterId, BATCH);
        if (rows.length === 0) break;
        afterId = rows[rows.length - 1]!.id;
        for (const row of rows) archive.append(row.pdf, { name: `${row.serial}_${zipEntryName(row.snapshot.name)}.pdf`, date: new Date(row.snapshot.issuedAt) });
        // Let the archive drain before the next batch is read: a slow client holds up reading, not memory.
        while (archive.readableLength > 2 * 1024 * 1024 && !output.destroyed) await new Promise((resolve) => setTimeout(resolve, 5));
        if (output.destroyed) break;
      }
      await archive.finalize();
      await done;
    },
  };
}

export type CertificatePrinting = ReturnType<typeof createCertificatePrinting>;
