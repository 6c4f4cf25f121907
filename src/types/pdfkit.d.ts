// What pdfkit 0.20 does at runtime but @types/pdfkit does not describe yet: structure
// elements with children and no options, and images opened once and drawn many times.
declare namespace PDFKit {
  /** An image parsed by `openImage`; drawing it again costs nothing. */
  interface OpenedImage {
    width: number;
    height: number;
  }

  namespace Mixins {
    interface PDFMarking {
      struct(type: string, children?: PDFStructureElementChild | PDFStructureElementChild[]): PDFStructureElement;
    }
    interface PDFImage {
      openImage(src: Buffer): OpenedImage;
      image(src: OpenedImage, x?: number, y?: number, options?: ImageOption): this;
    }
  }
}
