//! Form and query-string plumbing shared by the pages.

pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// Rows of a form posted as `prefix.N.field` (device rows, a plan's people): `new` makes an
/// empty row, `set` stores one field's value. Rows from `max` on are ignored; a gap in the
/// numbering leaves an empty row, which the parsers skip as blank.
pub(crate) fn indexed_rows<T>(
    pairs: &[(String, String)],
    prefix: &str,
    max: usize,
    new: impl Fn() -> T,
    mut set: impl FnMut(&mut T, &str, &str),
) -> Vec<T> {
    let mut rows: Vec<T> = Vec::new();
    for (k, v) in pairs {
        let Some((i, field)) = k.strip_prefix(prefix).and_then(|r| r.split_once('.')) else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i >= max {
            continue;
        }
        while rows.len() <= i {
            rows.push(new());
        }
        set(&mut rows[i], field, v);
    }
    rows
}
