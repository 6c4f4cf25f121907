// Reads a PDF from stdin and prints {text, pages, info} as JSON. Runs as a plain Node
// process because pdf.js loads its worker with a dynamic import, which Jest's module
// sandbox does not allow.
const { PDFParse } = require('pdf-parse');

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try {
    const text = await parser.getText();
    const info = await parser.getInfo();
    process.stdout.write(JSON.stringify({ text: text.text, pages: text.total, info: info.info ?? {} }));
  } finally {
    await parser.destroy();
  }
});
