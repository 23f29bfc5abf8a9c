"""A ReportLab canvas that writes the PDF file as its pages are finished, so a report's memory does not grow with
its pages.

ReportLab keeps every finished page until `save()`: its dictionary, and its content stream as text, which `save()`
then compresses, formats into one list of byte strings and joins into the whole file before writing it (a year of
movements is twenty thousand pages). Here each page's content stream is compressed with the filter `save()` would
apply, and the stream and the page dictionary are written to the output at once, as numbered PDF objects whose
offsets are kept for the cross-reference table; the document keeps only their names. `save()` then writes what is
left (fonts, the page tree, the catalog, the info), the cross-reference table and the trailer, as ReportLab does.
Every page's content is byte for byte what ReportLab writes; only the order of the objects in the file differs, which
the cross-reference table exists for.

Only a writable file is streamed; given a path, the canvas compresses each page when finished and otherwise leaves
the file to ReportLab.
"""

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCrossReferenceTable,
    PDFDictionary,
    PDFIndirectObject,
    PDFName,
    PDFObjectReference,
    PDFStream,
    PDFTrailer,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas


class StreamingCanvas(Canvas):
    def __init__(self, filename, *args, **kwargs):
        super().__init__(filename, *args, **kwargs)
        if callable(getattr(filename, "write", None)):
            # The canvas makes its own PDFDocument; this one only adds the writing as it goes.
            self._doc.__class__ = _StreamingDocument
            self._doc.start(filename)

    def showPage(self):
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and page.compression and not page.Contents:
            # A stream whose dictionary names its filter is written as it is (no second compression).
            filters = PDFDictionary({"Filter": PDFArray([PDFName(PDFZCompress.pdfname)])})
            contents = PDFStream(dictionary=filters, content=PDFZCompress.encode(page.stream))
            contents.__Comment__ = "page stream"
            page.Contents, page.stream = contents, None
        if isinstance(self._doc, _StreamingDocument):
            self._doc.write_page(page)


class _Written:
    """What the document keeps of an object already in the file: its name stays registered, with its number."""


_WRITTEN = _Written()


class _StreamingDocument(pdfdoc.PDFDocument):
    def start(self, out) -> None:
        if not isinstance(self.encrypt, pdfdoc.NoEncryption):
            raise ValueError("An encrypted PDF cannot be written as it goes.")
        self._out, self._offset = out, 0
        # The header ReportLab's file collector starts with. It is written before the pages, which may still raise
        # the version ReportLab would write (transparency: 1.4), so it names the highest version a feature requires.
        version = max(self._pdfVersion, *pdfdoc.PDF_SUPPORT_VERSION.values())
        self._write(pdfdoc.PDFFile(version).format(self))

    def _write(self, data: bytes) -> int:
        """Append to the file; the offset of `data` from the start of the PDF."""
        offset = self._offset
        self._out.write(data)
        self._offset += len(data)
        return offset

    def _write_object(self, name: str) -> None:
        obj = self.idToObject[name]
        formatted = PDFIndirectObject(name, obj).format(self)
        if not rl_config.invariant and rl_config.pdfComments:
            self._write(pdfdoc.pdfdocEnc(f"% {ascii(name)}: class {type(obj).__name__[:50]} \n"))
        self.idToOffset[name] = self._write(formatted)
        self.idToObject[name] = _WRITTEN

    def write_page(self, page: pdfdoc.PDFPage) -> None:
        """Write a finished page (its content stream, then its dictionary) and let go of both."""
        contents = self.Reference(page.Contents)
        self._write_object(contents.name)
        page.Contents = contents
        name = page.__InternalName__
        self._write_object(name)
        self.Pages.pages[-1] = PDFObjectReference(name)  # the page tree's Kids need only the reference

    def format(self) -> bytes:
        """`PDFDocument.format()` for the objects not yet written, straight into the file: returns nothing more
        to write.
        """
        self.encrypt.prepare(self)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        names = []
        number = 1
        # Formatting an object may register new ones (a page tree's kids, a font's widths): run to the last.
        while number in self.numberToId:
            name = self.numberToId[number]
            if name not in self.idToOffset:
                self._write_object(name)
            names.append(name)
            number += 1
        xref = PDFCrossReferenceTable()
        xref.addsection(0, names)
        trailer = PDFTrailer(
            startxref=self._write(xref.format(self)),
            Size=len(names) + 1,
            Root=self.Reference(self.Catalog),
            Info=self.Reference(self.info),
            ID=self.ID(),
        )
        self._write(trailer.format(self))
        return b""
