import { translatorFor } from '../i18n/i18n';
import { formatDate, formatDateTime } from '../shared/format';
import { A4, createPdfDocument, drawArtifact } from '../shared/pdf';
import type { PersonalData } from './export.service';

/** The readable copy is German, as the rest of the platform's documents. */
const t = translatorFor('de');

/*
 * Tagged PDF (logical structure, reading order, /Lang de-DE), as the training record: one
 * Document element with H1, an H2 per kind of record and a P per record, so a screen
 * reader walks it like the page. Page numbers are artifacts.
 */
const DOCUMENT_OPTIONS = { size: 'A4', margin: 48, tagged: true, pdfVersion: '1.7', bufferPages: true, autoFirstPage: false } as const;
const MARGIN = 48;
const PAGE_WIDTH = A4.width;
const PAGE_HEIGHT = A4.height;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN - 24;
const INK = '#1a1a1a';
const MUTED = '#4a4a4a';


/** One line per record of each kind, in the words of the platform's pages. */
function sections(data: PersonalData): { key: string; lines: string[] }[] {
  const { profile } = data;
  const f = (key: string) => t(`privacy.export.fields.${key}`);
  const dash = (value: string | null) => (value && value.trim() !== '' ? value : '–');
  return [
    {
      key: 'profile',
      lines: [
        `${f('name')}: ${profile.first_name} ${profile.last_name}`,
        `${f('email')}: ${profile.email}`,
        `${f('organisation')}: ${dash(profile.organisation_name)}`,
        `${f('department')}: ${dash(profile.department)}`,
        `${f('role')}: ${t(`common.roles.${profile.role}`)}`,
        `${f('locale')}: ${profile.locale === 'en' ? 'English' : 'Deutsch'}`,
        `${f('registeredAt')}: ${formatDate(profile.created_at)}`,
        `${f('lastLoginAt')}: ${profile.last_login_at ? formatDateTime(profile.last_login_at) : '–'}`,
        `${f('secondFactor')}: ${t(profile.has_second_factor ? 'privacy.export.yes' : 'privacy.export.no')}`,
        ...profile.external_identities.map((link) => `${f('singleSignOn')}: ${link.provider} (${link.subject}), ${formatDate(new Date(link.created_at))}`),
      ],
    },
    { key: 'enrollments', lines: data.enrollments.map((row) => `${formatDate(row.requested_at)} – ${row.programme_title}: ${row.offering_title} – ${t(`enrollment.status.${row.status}`)}${row.note ? ` – ${row.note}` : ''}`) },
    { key: 'attendance', lines: data.attendance.map((row) => `${formatDateTime(row.starts_at)} – ${row.offering_title}${row.module_title ? `, ${row.module_title}` : ''} – ${t(`attendance.status.${row.status}`)}`) },
    { key: 'excuses', lines: data.excuses.map((row) => `${formatDateTime(row.starts_at)} – ${row.offering_title} – ${t(`attendance.excuseStatus.${row.status}`)}: ${dash(row.reason)}`) },
    { key: 'certificates', lines: data.certificates.map((row) => `${row.serial} – ${row.title} (${row.programme_title}) – ${formatDate(row.issued_at)} – ${t(`certificates.status.${row.status}`)} – ${row.verification_url}`) },
    { key: 'audit', lines: data.auditEntries.map((row) => `${formatDateTime(row.occurred_at)} – ${row.action}${row.ip ? ` – IP ${row.ip}` : ''}`) },
    { key: 'mails', lines: data.mails.map((row) => `${formatDateTime(row.created_at)} – ${row.subject}`) },
    {
      key: 'evaluations',
      lines: data.evaluations.map((row) => `${row.offering_title}${row.module_title ? `, ${row.module_title}` : ''} – ${t('privacy.export.evaluationCloses', { date: formatDate(row.closes_at) })} – ${t(row.has_answered ? 'privacy.export.evaluationAnswered' : 'privacy.export.evaluationOpen')}`),
    },
  ];
}

/** The person's data as a PDF document (the caller pipes it and calls nothing else). */
export function renderPersonalDataPdf(data: PersonalData, regionName: string): PDFKit.PDFDocument {
  const name = `${data.profile.first_name} ${data.profile.last_name}`;
  const doc = createPdfDocument({ title: `${t('privacy.export.title')} – ${name}`, author: regionName, subject: t('privacy.export.title'), lang: 'de-DE' }, DOCUMENT_OPTIONS);
  const newPage = () => {
    doc.addPage({ size: 'A4', margin: MARGIN });
    doc.page.margins.bottom = 0;
  };
  newPage();
  const root = doc.struct('Document');
  doc.addStructure(root);
  const block = (type: 'H1' | 'H2' | 'P', text: string, font: 'regular' | 'bold', size: number) => {
    doc.font(font).fontSize(size);
    if (doc.y + doc.heightOfString(text, { width: CONTENT_WIDTH }) > BOTTOM) newPage();
    root.add(doc.struct(type, () => doc.fillColor(INK).text(text, MARGIN, doc.y, { width: CONTENT_WIDTH })));
  };
  block('H1', t('privacy.export.title'), 'bold', 20);
  block('P', `${name} – ${t('privacy.export.generatedOn', { date: formatDateTime(data.generatedAt) })}`, 'regular', 10);
  for (const section of sections(data)) {
    doc.moveDown(0.8);
    block('H2', `${t(`privacy.export.sections.${section.key}`)} (${section.lines.length})`, 'bold', 13);
    if (section.lines.length === 0) block('P', t('privacy.export.none'), 'regular', 10);
    for (const line of section.lines) block('P', line, 'regular', 10);
  }
  root.end();
  const range = doc.bufferedPageRange();
  for (let page = range.start; page < range.start + range.count; page += 1) {
    doc.switchToPage(page);
    drawArtifact(doc, () => {
      doc.font('regular').fontSize(8).fillColor(MUTED);
      doc.text(t('privacy.export.pageOf', { page: page + 1, pages: range.count }), MARGIN, PAGE_HEIGHT - MARGIN - 8, { width: CONTENT_WIDTH, align: 'right', lineBreak: false });
    });
  }
  return doc;
}
