//! Just enough of a PDF reader for what Chromium prints: classic cross-reference (no object
//! streams), Flate-compressed content, text drawn with fonts that carry a ToUnicode CMap
//! (Type3 fonts with one-byte codes for CJK glyphs, Type0/Identity-H with two-byte codes),
//! and `/ActualText` spans standing in for their glyphs.

use std::collections::HashMap;
use std::io::Read;

pub struct Pdf {
    objs: HashMap<u32, Vec<u8>>,
    trailer: Vec<u8>,
}

type CMap = HashMap<u32, String>;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn is_delim(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

/// Where the value of `/Key` starts in a dictionary's text (whole key names only).
fn value_at(dict: &[u8], key: &str) -> Option<usize> {
    let k = key.as_bytes();
    let mut from = 0;
    while let Some(i) = find(&dict[from..], k) {
        let end = from + i + k.len();
        if end >= dict.len() || is_delim(dict[end]) {
            let mut j = end;
            while j < dict.len() && dict[j].is_ascii_whitespace() {
                j += 1;
            }
            return Some(j);
        }
        from = end;
    }
    None
}

/// Every `N 0 R` reference in `s`, in order.
fn refs(s: &[u8]) -> Vec<u32> {
    let text = String::from_utf8_lossy(s).replace(['[', ']', '<', '>'], " ");
    let t: Vec<&str> = text.split_whitespace().collect();
    (2..t.len())
        .filter(|&i| t[i] == "R" && t[i - 1] == "0")
        .filter_map(|i| t[i - 2].parse().ok())
        .collect()
}

/// The object a `/Key N 0 R` entry points to.
fn reference(dict: &[u8], key: &str) -> Option<u32> {
    let i = value_at(dict, key)?;
    let end = (i + 24).min(dict.len());
    let head = &dict[i..end];
    let n: Vec<u8> = head
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let rest = String::from_utf8_lossy(&head[n.len()..]);
    if n.is_empty() || !rest.trim_start().starts_with("0 R") {
        return None;
    }
    std::str::from_utf8(&n).ok()?.parse().ok()
}

/// The `<< … >>` dictionary starting at `i`, with nesting.
fn dict_at(s: &[u8], i: usize) -> &[u8] {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < s.len() {
        if &s[j..j + 2] == b"<<" {
            depth += 1;
            j += 2;
        } else if &s[j..j + 2] == b">>" {
            depth = depth.saturating_sub(1);
            j += 2;
            if depth == 0 {
                return &s[i..j];
            }
        } else {
            j += 1;
        }
    }
    &s[i..]
}

fn hex(s: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = s.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| {
            let t = std::str::from_utf8(p).unwrap();
            u8::from_str_radix(&format!("{t:0<2}"), 16).unwrap()
        })
        .collect()
}

fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_start_matches('\u{feff}')
        .to_string()
}

fn number(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |n, &x| (n << 8) | u32::from(x))
}

/// The `<…>` strings of a CMap section, in order.
fn hex_strings(s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(o) = find(&s[i..], b"<") {
        let start = i + o + 1;
        let Some(c) = find(&s[start..], b">") else {
            break;
        };
        out.push(hex(&s[start..start + c]));
        i = start + c + 1;
    }
    out
}

fn sections<'a>(s: &'a [u8], begin: &str, end: &str) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(b) = find(&s[i..], begin.as_bytes()) {
        let start = i + b + begin.len();
        let Some(e) = find(&s[start..], end.as_bytes()) else {
            break;
        };
        out.push(&s[start..start + e]);
        i = start + e + end.len();
    }
    out
}

fn parse_cmap(s: &[u8]) -> CMap {
    let mut map = CMap::new();
    for block in sections(s, "beginbfchar", "endbfchar") {
        for pair in hex_strings(block).chunks(2) {
            if let [code, uni] = pair {
                map.insert(number(code), utf16(uni));
            }
        }
    }
    for block in sections(s, "beginbfrange", "endbfrange") {
        // Entries are `<lo> <hi> <dst>` or `<lo> <hi> [<dst> …]`; an array may run over
        // several lines, so read the block as a stream of tokens, not line by line.
        enum T {
            Hex(Vec<u8>),
            Open,
            Close,
        }
        let mut toks = Vec::new();
        let mut i = 0;
        while i < block.len() {
            match block[i] {
                b'<' => {
                    let end = find(&block[i..], b">").map_or(block.len(), |e| i + e);
                    toks.push(T::Hex(hex(&block[i + 1..end])));
                    i = end + 1;
                }
                b'[' => {
                    toks.push(T::Open);
                    i += 1;
                }
                b']' => {
                    toks.push(T::Close);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        let mut k = 0;
        while k + 2 < toks.len() {
            let (T::Hex(lo), T::Hex(hi)) = (&toks[k], &toks[k + 1]) else {
                k += 1;
                continue;
            };
            let (lo, hi) = (number(lo), number(hi));
            match &toks[k + 2] {
                T::Open => {
                    let mut j = k + 3;
                    let mut code = lo;
                    while let Some(T::Hex(dst)) = toks.get(j) {
                        if code <= hi {
                            map.insert(code, utf16(dst));
                        }
                        code += 1;
                        j += 1;
                    }
                    k = j + 1;
                }
                T::Hex(dst) => {
                    let base: Vec<char> = utf16(dst).chars().collect();
                    if let Some((&last, head)) = base.split_last() {
                        for c in lo..=hi {
                            let ch =
                                char::from_u32(u32::from(last) + (c - lo)).unwrap_or('\u{fffd}');
                            map.insert(c, head.iter().chain([&ch]).collect());
                        }
                    }
                    k += 3;
                }
                T::Close => k += 3,
            }
        }
    }
    map
}

/// One token of a content stream.
enum Tok {
    Name(String),
    Str(Vec<u8>),
    Op(String),
    DictOpen,
    DictClose,
}

fn tokens(c: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let b = c[i];
        if b.is_ascii_whitespace() || b == b'[' || b == b']' {
            i += 1;
        } else if b == b'%' {
            while i < c.len() && c[i] != b'\n' {
                i += 1;
            }
        } else if c[i..].starts_with(b"<<") {
            out.push(Tok::DictOpen);
            i += 2;
        } else if c[i..].starts_with(b">>") {
            out.push(Tok::DictClose);
            i += 2;
        } else if b == b'<' {
            let end = find(&c[i..], b">").map_or(c.len(), |e| i + e);
            out.push(Tok::Str(hex(&c[i + 1..end])));
            i = end + 1;
        } else if b == b'(' {
            let mut s = Vec::new();
            let mut depth = 1;
            i += 1;
            while i < c.len() {
                match c[i] {
                    b'\\' if i + 1 < c.len() => {
                        i += 1;
                        let e = c[i];
                        if e.is_ascii_digit() {
                            let mut v = 0u32;
                            let mut n = 0;
                            while n < 3 && i < c.len() && (b'0'..=b'7').contains(&c[i]) {
                                v = v * 8 + u32::from(c[i] - b'0');
                                i += 1;
                                n += 1;
                            }
                            s.push(v as u8);
                            continue;
                        }
                        s.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'f' => 0x0c,
                            other => other,
                        });
                    }
                    b'(' => {
                        depth += 1;
                        s.push(b'(');
                    }
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                        s.push(b')');
                    }
                    other => s.push(other),
                }
                i += 1;
            }
            out.push(Tok::Str(s));
        } else if b == b'/' {
            let start = i + 1;
            i = start;
            while i < c.len() && !is_delim(c[i]) {
                i += 1;
            }
            out.push(Tok::Name(
                String::from_utf8_lossy(&c[start..i]).into_owned(),
            ));
        } else {
            let start = i;
            while i < c.len() && !is_delim(c[i]) {
                i += 1;
            }
            if i == start {
                i += 1;
                continue;
            }
            out.push(Tok::Op(String::from_utf8_lossy(&c[start..i]).into_owned()));
        }
    }
    out
}

impl Pdf {
    pub fn parse(data: &[u8]) -> Pdf {
        let mut objs = HashMap::new();
        let mut from = 0;
        while let Some(o) = find(&data[from..], b" 0 obj") {
            let at = from + o;
            let mut start = at;
            while start > 0 && data[start - 1].is_ascii_digit() {
                start -= 1;
            }
            let body = at + b" 0 obj".len();
            let end = find(&data[body..], b"endobj").map_or(data.len(), |e| body + e);
            if let Some(n) = std::str::from_utf8(&data[start..at])
                .ok()
                .and_then(|n| n.parse().ok())
            {
                objs.insert(n, data[body..end].to_vec());
            }
            from = end;
        }
        let trailer = rfind(data, b"trailer")
            .map(|i| data[i..].to_vec())
            .unwrap_or_default();
        assert!(!objs.is_empty(), "no objects in the PDF");
        Pdf { objs, trailer }
    }

    fn obj(&self, n: u32) -> &[u8] {
        self.objs
            .get(&n)
            .unwrap_or_else(|| panic!("PDF object {n} is missing"))
    }

    /// A stream's data, inflated when it is Flate-compressed.
    fn stream(&self, n: u32) -> Vec<u8> {
        let o = self.obj(n);
        let s = find(o, b"stream").unwrap_or_else(|| panic!("object {n} is no stream"));
        let mut i = s + b"stream".len();
        if o[i..].starts_with(b"\r\n") {
            i += 2;
        } else if o[i..].starts_with(b"\n") {
            i += 1;
        }
        let end = rfind(o, b"endstream").unwrap_or(o.len());
        let raw = &o[i..end];
        if find(&o[..s], b"/FlateDecode").is_some() {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(raw)
                .read_to_end(&mut out)
                .unwrap_or_else(|e| panic!("object {n}: cannot inflate: {e}"));
            out
        } else {
            raw.to_vec()
        }
    }

    /// The value of `/Key`: an inline dictionary, or the object a reference points to.
    fn dict_value<'a>(&'a self, dict: &'a [u8], key: &str) -> Option<&'a [u8]> {
        if let Some(r) = reference(dict, key) {
            return Some(self.obj(r));
        }
        let i = value_at(dict, key)?;
        dict[i..].starts_with(b"<<").then(|| dict_at(dict, i))
    }

    fn root_pages(&self) -> &[u8] {
        let root = reference(&self.trailer, "/Root").expect("trailer names the catalog");
        let pages = reference(self.obj(root), "/Pages").expect("catalog names the page tree");
        self.obj(pages)
    }

    /// `/Count` of the page tree.
    pub fn page_count(&self) -> usize {
        let pages = self.root_pages();
        let i = value_at(pages, "/Count").expect("page tree has /Count");
        let n: String = pages[i..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        n.parse().unwrap()
    }

    /// The leaf pages, in order.
    fn pages(&self) -> Vec<u32> {
        fn walk(pdf: &Pdf, node: &[u8], out: &mut Vec<u32>) {
            let Some(i) = value_at(node, "/Kids") else {
                return;
            };
            let end = find(&node[i..], b"]").map_or(node.len(), |e| i + e + 1);
            for kid in refs(&node[i..end]) {
                let o = pdf.obj(kid);
                if value_at(o, "/Kids").is_some() {
                    walk(pdf, o, out);
                } else {
                    out.push(kid);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, self.root_pages(), &mut out);
        out
    }

    /// Width and height of each page, in points.
    pub fn media_boxes(&self) -> Vec<(f64, f64)> {
        self.pages()
            .into_iter()
            .map(|p| {
                let o = self.obj(p);
                let i = value_at(o, "/MediaBox").expect("page has a /MediaBox");
                let end = find(&o[i..], b"]").map_or(o.len(), |e| i + e);
                let v: Vec<f64> = String::from_utf8_lossy(&o[i + 1..end])
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect();
                assert_eq!(v.len(), 4, "MediaBox of page {p}");
                (v[2] - v[0], v[3] - v[1])
            })
            .collect()
    }

    /// The document title (the page's `<title>`).
    pub fn title(&self) -> String {
        let Some(info) = reference(&self.trailer, "/Info") else {
            return String::new();
        };
        let o = self.obj(info);
        let Some(i) = value_at(o, "/Title") else {
            return String::new();
        };
        if o[i] == b'<' {
            let end = find(&o[i..], b">").map_or(o.len(), |e| i + e);
            utf16(&hex(&o[i + 1..end]))
        } else {
            String::from_utf8_lossy(&o[i..(i + 200).min(o.len())]).into_owned()
        }
    }

    /// The text drawn on each page, in drawing order.
    pub fn page_texts(&self) -> Vec<String> {
        self.pages()
            .into_iter()
            .map(|p| self.page_text(p))
            .collect()
    }

    fn page_text(&self, page: u32) -> String {
        let o = self.obj(page);
        let mut fonts: HashMap<String, (usize, CMap)> = HashMap::new();
        if let Some(font_dict) = self
            .dict_value(o, "/Resources")
            .and_then(|r| self.dict_value(r, "/Font"))
        {
            let body = String::from_utf8_lossy(font_dict).into_owned();
            let t: Vec<&str> = body
                .trim_start_matches("<<")
                .trim_end_matches(">>")
                .split_whitespace()
                .collect();
            for w in t.windows(4) {
                if let (Some(name), Ok(n), "0", "R") =
                    (w[0].strip_prefix('/'), w[1].parse::<u32>(), w[2], w[3])
                {
                    let f = self.obj(n);
                    let width = if find(f, b"/Type0").is_some() { 2 } else { 1 };
                    let cmap = reference(f, "/ToUnicode")
                        .map(|u| parse_cmap(&self.stream(u)))
                        .unwrap_or_default();
                    fonts.insert(name.to_string(), (width, cmap));
                }
            }
        }
        let contents = value_at(o, "/Contents").expect("page has /Contents");
        let list_end = if o[contents] == b'[' {
            find(&o[contents..], b"]").map_or(o.len(), |e| contents + e)
        } else {
            (contents + 24).min(o.len())
        };
        let mut content = Vec::new();
        for r in refs(&o[contents..list_end]) {
            content.extend(self.stream(r));
            content.push(b'\n');
        }

        let toks = tokens(&content);
        let mut out = String::new();
        let mut font: Option<&(usize, CMap)> = None;
        let mut depth = 0usize;
        // Marked-content stack: true for a span whose /ActualText replaces its glyphs.
        let mut marks: Vec<bool> = Vec::new();
        let mut pending_actual: Option<String> = None;
        for (k, t) in toks.iter().enumerate() {
            match t {
                Tok::DictOpen => depth += 1,
                Tok::DictClose => depth = depth.saturating_sub(1),
                Tok::Str(s) if depth > 0 => {
                    if matches!(toks.get(k.wrapping_sub(1)), Some(Tok::Name(n)) if n == "ActualText")
                    {
                        pending_actual = Some(utf16(s));
                    }
                }
                Tok::Str(s) => {
                    if marks.iter().any(|&m| m) {
                        continue;
                    }
                    let Some((width, cmap)) = font else {
                        continue;
                    };
                    for code in s.chunks(*width) {
                        out.push_str(cmap.get(&number(code)).map_or("\u{fffd}", String::as_str));
                    }
                }
                Tok::Op(op) if op == "Tf" => {
                    if let Some(Tok::Name(n)) = toks.get(k.wrapping_sub(2)) {
                        font = fonts.get(n);
                    }
                }
                Tok::Op(op) if op == "BDC" || op == "BMC" => {
                    let actual = pending_actual.take();
                    if let Some(a) = &actual {
                        out.push_str(a);
                    }
                    marks.push(actual.is_some());
                }
                Tok::Op(op) if op == "EMC" => {
                    marks.pop();
                }
                Tok::Op(op) if op == "ET" => out.push(' '),
                _ => {}
            }
        }
        out
    }
}
