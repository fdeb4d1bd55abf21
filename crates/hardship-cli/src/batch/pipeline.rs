//! The batch's machinery: reading the header, cutting the file into chunks of whole records for the
//! worker threads, putting their output back in input order, and the progress bar.

use super::*;

/// Calls `f` with every record of a chunk, parsed, and its physical line number.
pub(super) fn for_each_record(
    chunk: &Chunk,
    header: &Header,
    mut f: impl FnMut(u64, Result<Row, RowError>),
) {
    let mut parser = row::RowParser::default();
    for_each_raw(chunk, |line, rec| {
        f(
            line,
            parser.parse(rec, header).map_err(|e| to_row_error(line, e)),
        )
    });
}

pub(super) fn to_row_error(line: u64, e: row::CellError) -> RowError {
    RowError {
        line,
        column: e.column.to_owned(),
        value: e.value,
        message: e.message,
    }
}

/// One raw record: split by the csv reader, or by commas when its chunk holds no quotes.
pub(super) enum Record<'a> {
    Csv(&'a csv::ByteRecord),
    Line(&'a row::SplitLine<'a>),
}

impl row::Fields for Record<'_> {
    fn width(&self) -> usize {
        match self {
            Record::Csv(r) => r.width(),
            Record::Line(l) => l.width(),
        }
    }
    fn text(&self, i: usize) -> Result<&str, &[u8]> {
        match self {
            Record::Csv(r) => r.text(i),
            Record::Line(l) => l.text(i),
        }
    }
    fn span(&self, first: usize, last: usize) -> Option<&[u8]> {
        match self {
            Record::Csv(_) => None,
            Record::Line(l) => l.span(first, last),
        }
    }
}

/// Calls `f` with every raw record of a chunk and its physical line number. A CSV syntax error is passed
/// on as a one-field record, which `parse_row` reports as a bad row.
pub(super) fn for_each_raw(chunk: &Chunk, mut f: impl FnMut(u64, &Record<'_>)) {
    match plain_text(chunk) {
        Some(text) => for_each_line(chunk.first_line, text, f),
        None => for_each_csv(chunk, &mut f),
    }
}

/// Pass 1's reading: `f` gets each record's line, its key when it parses as an individual's (or an APM
/// entity's) and the record otherwise. On the fast path the fields after the key are only counted, and
/// a record is split in full only when it is not such a row.
pub(super) fn for_each_key(chunk: &Chunk, header: &Header, mut f: impl FnMut(u64, Keyed<'_>)) {
    let Some(text) = plain_text(chunk) else {
        return for_each_csv(chunk, &mut |line, rec| f(line, keyed(rec, header)));
    };
    let mut full = row::LineSplitter::default();
    row::LineSplitter::default().for_each_line_prefix(text, header.key_fields(), |i, prefix| {
        let line = chunk.first_line + i;
        match individual_key(prefix, header) {
            Some(key) => f(line, Keyed::Individual(key)),
            None => f(
                line,
                Keyed::Record(&Record::Line(&full.split(prefix.line()))),
            ),
        }
    });
}

/// A record's key when it is an individual's (or an APM entity's): all pass 1 needs of such a row.
fn individual_key<R: row::Fields + ?Sized>(
    rec: &R,
    header: &Header,
) -> Option<(PerformanceYear, Tin, ReportingLevel)> {
    row::parse_key(rec, header).filter(|key| !key.2.is_collective())
}

/// A record as pass 1 reads it; see [`for_each_key`].
pub(super) enum Keyed<'a> {
    Individual((PerformanceYear, Tin, ReportingLevel)),
    Record(&'a Record<'a>),
}

fn keyed<'a>(rec: &'a Record<'a>, header: &Header) -> Keyed<'a> {
    individual_key(rec, header).map_or(Keyed::Record(rec), Keyed::Individual)
}

/// The chunk as text when commas and line ends alone delimit its records: no quote anywhere, valid
/// UTF-8, and no carriage return except before a newline (the CSV reader would end a record there).
fn plain_text(chunk: &Chunk) -> Option<&str> {
    let bytes = &chunk.bytes[..];
    // The reader looked for quotes when it cut the chunk; only a chunk it may have seen one in is searched.
    if (chunk.may_quote && memchr::memchr(b'"', bytes).is_some())
        || memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
    {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The fast path: each line is a record.
fn for_each_line(first_line: u64, text: &str, mut f: impl FnMut(u64, &Record<'_>)) {
    row::LineSplitter::default()
        .for_each_line(text, |i, line| f(first_line + i, &Record::Line(line)));
}

fn for_each_csv(chunk: &Chunk, f: &mut impl FnMut(u64, &Record<'_>)) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&chunk.bytes[..]);
    let mut rec = csv::ByteRecord::new();
    // csv's own line numbers lag behind on CRLF files; count line ends from each record's offset.
    let mut lines = hardship_formats::csv_lines::LineCounter::new(&chunk.bytes[..]);
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = chunk.first_line + lines.line_of(rec.position(), 1) - 1;
                if rec.len() == 1 && rec.get(0).is_some_and(|c| c.is_empty()) {
                    continue; // a blank line
                }
                f(line, &Record::Csv(&rec));
            }
            Err(e) => {
                let line = chunk.first_line + lines.line_of(e.position(), 1) - 1;
                let mut broken = csv::ByteRecord::new();
                broken.push_field(e.to_string().as_bytes());
                f(line, &Record::Csv(&broken));
                break;
            }
        }
    }
}

/// Reads the header record; returns it with its length in bytes and lines.
pub(super) fn read_header(path: &Path) -> Result<(Header, u64, u64), BatchError> {
    let p = path.display().to_string();
    let file = File::open(path).map_err(|source| BatchError::Io {
        path: p.clone(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let mut rec = csv::ByteRecord::new();
    match reader.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            return Err(BatchError::BadFile {
                path: p,
                message: "the file is empty; expected a header row".into(),
            });
        }
        Err(e) => {
            return Err(BatchError::BadFile {
                path: p,
                message: e.to_string(),
            });
        }
    }
    let header = Header::parse(&rec).map_err(|message| BatchError::BadFile {
        path: p.clone(),
        message: format!("line 1: {message}"),
    })?;
    let pos = reader.position();
    Ok((header, pos.byte(), pos.line()))
}

pub(super) fn open_after_header(
    opts: &BatchOptions,
    header_bytes: u64,
) -> Result<impl Read + use<>, BatchError> {
    let p = opts.input.display().to_string();
    let mut file = File::open(&opts.input).map_err(|source| BatchError::Io {
        path: p.clone(),
        source,
    })?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(header_bytes))
        .map_err(|source| BatchError::Io { path: p, source })?;
    Ok(file)
}

/// Pass 1's pipeline: workers fold chunks into per-worker state, returned at the end.
pub(super) fn pipeline<T: Default + Send>(
    opts: &BatchOptions,
    header_bytes: u64,
    header_lines: u64,
    threads: usize,
    progress: &indicatif::ProgressBar,
    work: impl Fn(&Chunk, &mut T) + Sync,
) -> Result<Vec<T>, BatchError> {
    let input = open_after_header(opts, header_bytes)?;
    let (tx, rx) = bounded::<Chunk>(threads * 2);
    let pool = BufferPool::new(threads * 4);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let rx = rx.clone();
                let work = &work;
                let pool = &pool;
                s.spawn(move || {
                    let mut state = T::default();
                    for chunk in rx {
                        work(&chunk, &mut state);
                        progress.inc(chunk.bytes.len() as u64);
                        pool.give(chunk.bytes);
                    }
                    state
                })
            })
            .collect();
        drop(rx);
        let fed = feed(opts, input, header_lines, &tx, pool.clone());
        drop(tx);
        let states: Vec<T> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        fed?;
        if states.len() != threads {
            return Err(BatchError::Internal("a worker thread failed".into()));
        }
        Ok(states)
    })
}

/// Pass 2's pipeline: workers turn chunks into output bytes; `sink` receives them on this thread.
pub(super) fn ordered_pipeline(
    opts: &BatchOptions,
    header_bytes: u64,
    header_lines: u64,
    threads: usize,
    progress: &indicatif::ProgressBar,
    ctx: &Pass2<'_>,
    mut sink: impl FnMut(u64, (Vec<u8>, Vec<RowError>, u64)),
) -> Result<(), BatchError> {
    let input = open_after_header(opts, header_bytes)?;
    let (tx, rx) = bounded::<Chunk>(threads * 2);
    let (rtx, rrx) = bounded::<(u64, (Vec<u8>, Vec<RowError>, u64))>(threads * 2);
    let pool = BufferPool::new(threads * 4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let rx = rx.clone();
            let rtx = rtx.clone();
            let pool = &pool;
            s.spawn(move || {
                let mut sources = sources::SourcesCache::default();
                for chunk in rx {
                    let result = ctx.process(&chunk, &mut sources);
                    progress.inc(chunk.bytes.len() as u64);
                    pool.give(chunk.bytes);
                    if rtx.send((chunk.seq, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(rx);
        drop(rtx);
        // The reader runs on its own thread so this one can drain results (and bound memory).
        let pool = pool.clone();
        let feeder = s.spawn(move || {
            let r = feed(opts, input, header_lines, &tx, pool);
            drop(tx);
            r
        });
        for (seq, result) in rrx {
            sink(seq, result);
        }
        feeder
            .join()
            .map_err(|_| BatchError::Internal("the reader thread failed".into()))?
    })
}

pub(super) fn feed(
    opts: &BatchOptions,
    input: impl Read,
    header_lines: u64,
    tx: &crossbeam_channel::Sender<Chunk>,
    pool: BufferPool,
) -> Result<(), BatchError> {
    let mut reader = ChunkReader::new(input, opts.chunk_bytes.max(4096), header_lines, pool);
    loop {
        match reader.next_chunk() {
            Ok(Some(chunk)) => {
                if tx.send(chunk).is_err() {
                    return Ok(());
                }
            }
            Ok(None) => return Ok(()),
            Err(source) => {
                return Err(BatchError::Io {
                    path: opts.input.display().to_string(),
                    source,
                });
            }
        }
    }
}

pub(super) fn progress_bar(show: bool, total: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {bar:40} {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style);
    }
    bar
}

pub(super) fn sibling_tmp(path: &Path) -> PathBuf {
    with_suffix(path, &format!(".partial-{}", std::process::id()))
}

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hardship_formats::batch_row::Fields;

    /// Each record's line and fields.
    type Records = Vec<(u64, Vec<String>)>;

    /// A chunk as the reader cuts it, starting on line 2.
    fn chunk(text: &[u8]) -> Chunk {
        Chunk {
            seq: 0,
            first_line: 2,
            may_quote: memchr::memchr(b'"', text).is_some(),
            bytes: text.to_vec(),
        }
    }

    /// The records by the path `for_each_raw` picks, and by the CSV reader alone.
    fn both_ways(text: &[u8]) -> (Records, Records) {
        let chunk = chunk(text);
        let collect = |out: &mut Records, line: u64, r: &Record<'_>| {
            let fields = (0..r.width())
                .map(|i| match r.text(i) {
                    Ok(s) => s.to_owned(),
                    Err(b) => String::from_utf8_lossy(b).into_owned(),
                })
                .collect();
            out.push((line, fields));
        };
        let (mut picked, mut reader) = (Vec::new(), Vec::new());
        for_each_raw(&chunk, |line, r| collect(&mut picked, line, r));
        for_each_csv(&chunk, &mut |line, r| collect(&mut reader, line, r));
        (picked, reader)
    }

    #[test]
    fn the_fast_path_splits_as_the_csv_reader_does() {
        let cases: &[&[u8]] = &[
            b"a,b,c\nd,,f\n",
            b"a,b\r\nc,d\r\n\r\ne,f",
            b"\n\na,b\n\nc\n",
            b" , x ,\n,\n",
            "Nguyễn,Łukasz\n".as_bytes(),
            // These leave the fast path: a quote, a lone carriage return, bytes that are not UTF-8.
            b"a,\"b,c\"\nd,e\n",
            b"a,b\rc,d\n",
            b"a,\xff\nb,c\n",
        ];
        for text in cases {
            let (picked, reader) = both_ways(text);
            assert_eq!(picked, reader, "{:?}", String::from_utf8_lossy(text));
        }
        let plain = |bytes: &[u8]| plain_text(&chunk(bytes)).is_some();
        assert!(plain(b"a,b\r\nc\n"));
        assert!(!plain(b"a,\"b\"\n"));
        assert!(!plain(b"a\rb\n"));
        assert!(!plain(b"a,\xff\n"));
    }

    #[test]
    fn the_fast_path_counts_physical_lines() {
        let (picked, _) = both_ways(b"a,b\r\n\r\nc,d\n");
        let lines: Vec<u64> = picked.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 4]);
    }
}
