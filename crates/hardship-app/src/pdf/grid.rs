//! Grids: tables and field/value lists, with their column widths, header rows and page breaks.

use super::*;

/// Column positions and text metrics of a table (or a field/value list).
pub(super) struct Grid {
    pub(super) x: Vec<f32>,
    pub(super) w: Vec<f32>,
    /// Characters per line in each column.
    pub(super) chars: Vec<usize>,
    pub(super) fonts: Vec<Font>,
    pub(super) size: f32,
    pub(super) lead: f32,
    pub(super) pad_x: f32,
    pub(super) pad_y: f32,
    pub(super) borders: bool,
}

impl Grid {
    pub(super) fn height(&self, lines: usize) -> f32 {
        lines as f32 * self.lead + 2.0 * self.pad_y
    }
}

/// Cells of one row: per column, its wrapped lines.
pub(super) type Cells = Vec<Vec<Line>>;

pub(super) fn lines_of(cells: &Cells) -> usize {
    cells.iter().map(Vec::len).max().unwrap_or(0)
}

pub(super) fn cell_lines(grid: &Grid, column: usize, text: &str) -> Vec<Line> {
    wrap(
        &encode(text, true),
        grid.chars.get(column).copied().unwrap_or(1),
    )
}

pub(super) fn cell(row: &[String], column: usize) -> &str {
    row.get(column).map_or("", String::as_str)
}

/// Columns of a table: the declared ones, plus untitled ones for rows with more cells.
pub(super) fn table_columns(columns: &[Column], rows: &[Vec<String>]) -> usize {
    rows.iter().map(Vec::len).fold(columns.len(), usize::max)
}

/// Relative widths in (0, 1]; undeclared columns get the mean of the declared ones.
pub(super) fn table_shares(columns: &[Column], ncols: usize) -> Vec<f32> {
    let raw: Vec<f32> = columns
        .iter()
        .map(|c| {
            if c.width.is_finite() && c.width > 0.0 {
                c.width
            } else {
                1.0
            }
        })
        .collect();
    let max = raw.iter().copied().fold(0.0_f32, f32::max);
    let mut shares: Vec<f32> = raw.iter().map(|s| s / max).collect();
    let mean = if shares.is_empty() {
        1.0
    } else {
        shares.iter().sum::<f32>() / shares.len() as f32
    };
    shares.resize(ncols, mean);
    shares
}

/// Splits the text width among columns in proportion to their shares, none narrower than one character
/// and its padding (the narrow ones are fixed at that minimum and the rest is shared again).
pub(super) fn column_widths(shares: &[f32], total: f32, min: f32) -> Vec<f32> {
    let n = shares.len();
    let mut fixed = vec![false; n];
    loop {
        let free = total - min * fixed.iter().filter(|&&f| f).count() as f32;
        let sum: f32 = shares
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(s, _)| s)
            .sum();
        let widths: Vec<f32> = shares
            .iter()
            .zip(&fixed)
            .map(|(s, &f)| if f || sum <= 0.0 { min } else { free * s / sum })
            .collect();
        let mut changed = false;
        for (i, w) in widths.iter().enumerate() {
            if !fixed[i] && *w < min {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return widths;
        }
    }
}

/// The longest word (in characters) of each column in `range`, its title included.
pub(super) fn longest_words(
    columns: &[Column],
    rows: &[Vec<String>],
    range: Range<usize>,
) -> Vec<usize> {
    let longest = |s: &str| {
        s.split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    range
        .map(|c| {
            let title = columns.get(c).map_or(0, |col| longest(&col.title));
            rows.iter()
                .map(|r| longest(cell(r, c)))
                .fold(title, usize::max)
        })
        .collect()
}

/// Column widths (as shares of the text width) that keep words whole: a column whose longest word, up
/// to `WHOLE_WORD` characters, would not fit at its proportional width gets that word's width, and the
/// others share the rest in proportion. Longer words (hashes, ids, file names) still break, and when the
/// words cannot all fit the proportions stand.
pub(super) fn fit_words(shares: &[f32], longest: &[usize]) -> Vec<f32> {
    const WHOLE_WORD: usize = 16;
    let need: Vec<f32> = longest
        .iter()
        .map(|&n| n.clamp(1, WHOLE_WORD) as f32 * GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X)
        .collect();
    if need.iter().sum::<f32>() > TEXT_W || need.len() != shares.len() {
        return shares.to_vec();
    }
    let mut fixed = vec![false; shares.len()];
    loop {
        let free = TEXT_W
            - need
                .iter()
                .zip(&fixed)
                .filter(|(_, f)| **f)
                .map(|(n, _)| n)
                .sum::<f32>();
        let sum: f32 = shares
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(s, _)| s)
            .sum();
        let widths: Vec<f32> = (0..shares.len())
            .map(|i| {
                if fixed[i] || sum <= 0.0 {
                    need[i]
                } else {
                    free * shares[i] / sum
                }
            })
            .collect();
        let mut changed = false;
        for i in 0..shares.len() {
            if !fixed[i] && widths[i] + 0.01 < need[i] {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return widths.iter().map(|w| w / TEXT_W).collect();
        }
    }
}

pub(super) fn table_grid(shares: &[f32]) -> Grid {
    let min = GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X;
    let w = column_widths(shares, TEXT_W, min);
    let mut x = Vec::with_capacity(w.len());
    let mut at = LEFT;
    for width in &w {
        x.push(at);
        at += width;
    }
    Grid {
        chars: w
            .iter()
            .map(|w| chars_in(w - 2.0 * CELL_PAD_X, TABLE_SIZE))
            .collect(),
        fonts: vec![Font::Regular; w.len()],
        x,
        w,
        size: TABLE_SIZE,
        lead: TABLE_LEAD,
        pad_x: CELL_PAD_X,
        pad_y: CELL_PAD_Y,
        borders: true,
    }
}

/// The header row of a table part (empty when no column has a title), capped so that it can never take
/// more than a third of a page: it repeats on every page of the table.
pub(super) fn header_cells(grid: &Grid, columns: &[Column], range: Range<usize>) -> Cells {
    let declared = range.start.min(columns.len())..range.end.min(columns.len());
    if !columns
        .get(declared)
        .unwrap_or_default()
        .iter()
        .any(|c| !c.title.trim().is_empty())
    {
        return Vec::new();
    }
    let max_lines =
        (((BODY_TOP - BODY_BOTTOM) / 3.0 - 2.0 * grid.pad_y) / grid.lead).max(1.0) as usize;
    range
        .enumerate()
        .map(|(i, c)| {
            let title = columns.get(c).map_or("", |c| c.title.as_str());
            let mut lines = cell_lines(grid, i, title);
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    let width = grid.chars.get(i).copied().unwrap_or(1);
                    let mut cut = std::mem::take(last);
                    cut.extend(['.', '.', '.']);
                    *last = truncate(cut, width);
                }
            }
            lines
        })
        .collect()
}

pub(super) fn table(flow: &mut Flow, columns: &[Column], rows: &[Vec<String>]) {
    let ncols = table_columns(columns, rows);
    if ncols == 0 {
        gray_line(flow, &chars("(empty table)"));
        return;
    }
    let shares = table_shares(columns, ncols);
    let mut start = 0;
    while start < ncols {
        let end = (start + MAX_TABLE_COLUMNS).min(ncols);
        if start > 0 {
            let caption = format!("Table continued: columns {} to {end} of {ncols}", start + 1);
            flow.ensure(BODY_LEAD + 3.0 * TABLE_LEAD);
            gray_line(flow, &chars(&caption));
        }
        let part = shares.get(start..end).unwrap_or_default();
        let grid = table_grid(&fit_words(part, &longest_words(columns, rows, start..end)));
        let header = header_cells(&grid, columns, start..end);
        if rows.is_empty() {
            place_rows(flow, &grid, &header, std::iter::empty());
            flow.ensure(grid.height(1));
            let top = flow.y;
            let h = grid.height(1);
            flow.push(Op::Frame {
                x: LEFT,
                y: top - h,
                w: TEXT_W,
                h,
                gray: GRID_GRAY,
            });
            let y = baseline(top - grid.pad_y, grid.size, grid.lead);
            flow.push(Op::Text {
                font: Font::Regular,
                size: grid.size,
                x: LEFT + grid.pad_x,
                y,
                gray: 0.4,
                text: chars("(no rows)"),
            });
            flow.y -= h;
        } else {
            let cells = rows.iter().map(|row| {
                (start..end)
                    .enumerate()
                    .map(|(i, c)| cell_lines(&grid, i, cell(row, c)))
                    .collect::<Cells>()
            });
            place_rows(flow, &grid, &header, cells);
        }
        flow.gap(BLOCK_GAP);
        start = end;
    }
}

/// A field/value list is a borderless two-column grid: the fields in bold, as wide as the longest one
/// (within limits), the values wrapping in the rest of the line.
pub(super) fn key_value_grid(pairs: &[(String, String)]) -> Grid {
    let total = chars_in(TEXT_W, BODY_SIZE);
    let longest = pairs
        .iter()
        .map(|(k, _)| encode(&key_label(k), false).len())
        .max()
        .unwrap_or(0);
    let key_chars = longest.clamp(8, total * 3 / 10);
    let key_w = text_width(key_chars + 2, BODY_SIZE);
    Grid {
        x: vec![LEFT, LEFT + key_w],
        w: vec![key_w, TEXT_W - key_w],
        chars: vec![key_chars, total - key_chars - 2],
        fonts: vec![Font::Bold, Font::Regular],
        size: BODY_SIZE,
        lead: BODY_LEAD,
        pad_x: 0.0,
        pad_y: 1.0,
        borders: false,
    }
}

pub(super) fn key_label(key: &str) -> String {
    let key = key.trim_end();
    if key.is_empty() || key.ends_with(':') {
        key.to_string()
    } else {
        format!("{key}:")
    }
}

pub(super) fn key_values(flow: &mut Flow, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let grid = key_value_grid(pairs);
    let rows = pairs.iter().map(|(key, value)| {
        vec![
            cell_lines(&grid, 0, &key_label(key)),
            cell_lines(&grid, 1, value),
        ]
    });
    place_rows(flow, &grid, &Vec::new(), rows);
    flow.gap(BLOCK_GAP);
}

/// Places rows under a header that repeats on every page. A row that does not fit moves to the next
/// page; one taller than a page is split between lines.
pub(super) fn place_rows(
    flow: &mut Flow,
    grid: &Grid,
    header: &Cells,
    rows: impl Iterator<Item = Cells>,
) {
    let header_h = if header.is_empty() {
        0.0
    } else {
        grid.height(lines_of(header))
    };
    let mut rows = rows.peekable();
    // Keep the header with the first row, or with its first lines when it is taller than a page.
    let first = rows.peek().map_or(1, lines_of).max(1);
    let first_h = grid.height(first);
    if first_h <= flow.usable() - header_h {
        flow.ensure(header_h + first_h);
    } else {
        flow.ensure(header_h + grid.height(3));
    }
    if !header.is_empty() {
        draw_cells(flow, grid, header, 0..lines_of(header), true);
    }
    // Where the rows of this page start: a row that does not fit there is split, not moved again.
    let mut rows_top = (flow.page_index(), flow.y);
    let new_page = |flow: &mut Flow| {
        flow.new_page();
        if !header.is_empty() {
            draw_cells(flow, grid, header, 0..lines_of(header), true);
        }
        (flow.page_index(), flow.y)
    };
    for row in rows {
        let n = lines_of(&row).max(1);
        let h = grid.height(n);
        if h <= flow.room() + 0.01 {
            draw_cells(flow, grid, &row, 0..n, false);
            continue;
        }
        let at_rows_top = rows_top == (flow.page_index(), flow.y);
        if h <= flow.usable() - header_h && !at_rows_top {
            rows_top = new_page(flow);
            draw_cells(flow, grid, &row, 0..n, false);
            continue;
        }
        let mut from = 0;
        while from < n {
            let mut fit = ((flow.room() - 2.0 * grid.pad_y) / grid.lead + 1e-3).floor() as usize;
            if fit == 0 {
                if rows_top == (flow.page_index(), flow.y) {
                    fit = 1; // cannot happen with the header capped; keeps the loop finite anyway
                } else {
                    rows_top = new_page(flow);
                    continue;
                }
            }
            let to = (from + fit).min(n);
            draw_cells(flow, grid, &row, from..to, false);
            from = to;
            if from < n {
                rows_top = new_page(flow);
            }
        }
    }
}

/// Draws lines `lines` of a row's cells at the cursor, with their frames, and moves the cursor below.
pub(super) fn draw_cells(
    flow: &mut Flow,
    grid: &Grid,
    cells: &Cells,
    lines: Range<usize>,
    header: bool,
) {
    let count = lines.len();
    let h = grid.height(count);
    let top = flow.y;
    if header {
        flow.push(Op::Fill {
            x: LEFT,
            y: top - h,
            w: grid.w.iter().sum(),
            h,
            gray: 0.88,
        });
    }
    for (c, column) in cells.iter().enumerate() {
        let (Some(&x), Some(&w)) = (grid.x.get(c), grid.w.get(c)) else {
            continue;
        };
        let font = if header {
            Font::Bold
        } else {
            grid.fonts.get(c).copied().unwrap_or(Font::Regular)
        };
        // A cell with fewer lines than its row has nothing to draw in the rest.
        let part = lines.start.min(column.len())..lines.end.min(column.len());
        for (k, line) in column.get(part).unwrap_or_default().iter().enumerate() {
            let y = baseline(
                top - grid.pad_y - k as f32 * grid.lead,
                grid.size,
                grid.lead,
            );
            flow.text(font, grid.size, x + grid.pad_x, y, line.clone());
        }
        if grid.borders {
            flow.push(Op::Frame {
                x,
                y: top - h,
                w,
                h,
                gray: GRID_GRAY,
            });
        }
    }
    flow.y -= h;
}
