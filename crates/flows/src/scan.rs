//! A cheap byte scan of a CSV file before it goes to the DataFusion scan:
//! finds what Arrow's CSV reader would read differently from spillnet's own
//! reader (`spillnet-io`), so that such a file is left to the native loader.
//!
//! Arrow's reader skips blank lines, splits records at a lone carriage
//! return, and reads quotes in the middle of a field and multi-line quoted
//! fields under its own rules; DataFusion also splits a large file into byte
//! ranges at line feeds, which is wrong inside a quoted field. The scan
//! therefore accepts a file only when it has no blank line, every carriage
//! return is followed by a line feed, and every quote opens a field (right
//! after a comma, a line feed or the start of the text) and is closed by the
//! next quote, which ends the field (a comma, a line end or the end of the
//! text follows) with no quote, line feed or carriage return between them.
//! Only line feeds, carriage returns and quotes are looked at (`memchr3`),
//! so the scan runs at memory speed. Imports nothing from the crate.

use std::io::Read;
use std::path::Path;

use memchr::memchr3;

/// Why a CSV file is left to the native reader (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obstacle {
    /// A line with nothing on it (also the header line).
    BlankLine,
    /// A carriage return not followed by a line feed.
    LoneCarriageReturn,
    /// A quote inside a field, a doubled quote, a field going on after its
    /// closing quote, or a quote never closed.
    Quote,
    /// A line feed or carriage return inside a quoted field.
    LineBreakInQuotes,
}

impl Obstacle {
    /// The reason, for [`crate::Outcome::NeedsNative`].
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Obstacle::BlankLine => "the CSV text has a blank line",
            Obstacle::LoneCarriageReturn => "the CSV text has a carriage return not followed by a line feed",
            Obstacle::Quote => "the CSV text has a quote that does not enclose a whole field",
            Obstacle::LineBreakInQuotes => "the CSV text has a line break inside a quoted field",
        }
    }
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Scan the CSV file `path` (see the module docs): the first obstacle, or `None`.
pub(crate) fn csv_obstacle(path: &Path) -> std::io::Result<Option<Obstacle>> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut scan = Scan::new();
    let mut first = true;
    loop {
        let n = read_full(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        let mut block = &buf[..n];
        if first {
            first = false;
            block = block.strip_prefix(BOM).unwrap_or(block);
        }
        if let Err(o) = scan.feed(block) {
            return Ok(Some(o));
        }
    }
    Ok(scan.finish().err())
}

/// Fill `buf` from `r` as far as possible: the number of bytes read
/// (< `buf.len()` only at the end). Also spillnet-io's streaming reader's.
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The scan's state between blocks of text.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The last byte of the previous block (a line feed at the start, so the
    /// first line is checked like every other).
    prev: u8,
    in_quotes: bool,
    /// The previous block ended with a closing quote: the next byte must end the field.
    after_close: bool,
    /// The previous block ended with a carriage return: the next byte must be a line feed.
    after_cr: bool,
}

impl Scan {
    pub(crate) fn new() -> Self {
        Scan { prev: b'\n', in_quotes: false, after_close: false, after_cr: false }
    }

    /// Scan the next block of text.
    pub(crate) fn feed(&mut self, block: &[u8]) -> Result<(), Obstacle> {
        let Some(&last) = block.last() else { return Ok(()) };
        if std::mem::take(&mut self.after_cr) && block[0] != b'\n' {
            return Err(Obstacle::LoneCarriageReturn);
        }
        if std::mem::take(&mut self.after_close) && !matches!(block[0], b',' | b'\n' | b'\r') {
            return Err(Obstacle::Quote);
        }
        let mut i = 0;
        while let Some(k) = memchr3(b'\n', b'\r', b'"', &block[i..]) {
            let j = i + k;
            let prev = if j == 0 { self.prev } else { block[j - 1] };
            let next = block.get(j + 1).copied();
            match block[j] {
                b'"' if self.in_quotes => {
                    self.in_quotes = false;
                    match next {
                        None => self.after_close = true,
                        Some(b',' | b'\n' | b'\r') => {}
                        Some(_) => return Err(Obstacle::Quote),
                    }
                }
                _ if self.in_quotes => return Err(Obstacle::LineBreakInQuotes),
                b'"' if matches!(prev, b',' | b'\n') => self.in_quotes = true,
                b'"' => return Err(Obstacle::Quote),
                _ if prev == b'\n' => return Err(Obstacle::BlankLine),
                b'\r' => match next {
                    None => self.after_cr = true,
                    Some(b'\n') => {}
                    Some(_) => return Err(Obstacle::LoneCarriageReturn),
                },
                _ => {}
            }
            i = j + 1;
        }
        self.prev = last;
        Ok(())
    }

    /// The end of the text.
    pub(crate) fn finish(&self) -> Result<(), Obstacle> {
        if self.in_quotes {
            Err(Obstacle::Quote)
        } else if self.after_cr {
            Err(Obstacle::LoneCarriageReturn)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan of `text` fed in blocks of `block` bytes.
    fn scan(text: &[u8], block: usize) -> Result<(), Obstacle> {
        let mut s = Scan::new();
        text.chunks(block).try_for_each(|b| s.feed(b))?;
        s.finish()
    }

    #[test]
    fn plain_and_quoted_files_pass_defects_are_found_at_any_block_size() {
        let cases: &[(&[u8], Result<(), Obstacle>)] = &[
            (b"a,b\n1,2\n", Ok(())),
            (b"a,b\r\n1,2\r\n3,4", Ok(())),
            (b"\"a\",\"b\"\r\n\"1\",2\n3,\"4\"", Ok(())),
            (b"a,b\n\"x,y\",2\n", Ok(())),
            (b"a,b\n,\n", Ok(())),
            (b"", Ok(())),
            (b"a,b\n1,2\n\n", Err(Obstacle::BlankLine)),
            (b"a,b\n\n1,2\n", Err(Obstacle::BlankLine)),
            (b"a,b\n1,2\n\r\n3,4\n", Err(Obstacle::BlankLine)),
            (b"\na,b\n", Err(Obstacle::BlankLine)),
            (b"a,b\n1,2\r3,4\n", Err(Obstacle::LoneCarriageReturn)),
            (b"a,b\n1,2\r", Err(Obstacle::LoneCarriageReturn)),
            (b"a,b\n1 \"x,2\n", Err(Obstacle::Quote)),
            (b"a,b\n\"1\"x,2\n", Err(Obstacle::Quote)),
            (b"a,b\n\"1\"\"x\",2\n", Err(Obstacle::Quote)),
            (b"a,b\n1,\"2\n", Err(Obstacle::LineBreakInQuotes)),
            (b"a,b\n1,\"2", Err(Obstacle::Quote)),
            (b"a,b\n\"1\n2\",3\n", Err(Obstacle::LineBreakInQuotes)),
            (b"a,b\n\"1\r\n2\",3\n", Err(Obstacle::LineBreakInQuotes)),
        ];
        for (text, expected) in cases {
            for block in [1, 2, 3, 1 << 20] {
                assert_eq!(scan(text, block), *expected, "{:?}, block {block}", String::from_utf8_lossy(text));
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        std::fs::write(&p, b"\xef\xbb\xbf\"a\",b\n1,2\n").unwrap();
        assert_eq!(csv_obstacle(&p).unwrap(), None);
        std::fs::write(&p, b"\xef\xbb\xbf\na,b\n").unwrap();
        assert_eq!(csv_obstacle(&p).unwrap(), Some(Obstacle::BlankLine));
    }
}
