//! Sites: boilerplate is a site's chrome, so every document belongs to one site and paragraph
//! frequency is counted per site ([`crate::boilerplate`]).
//!
//! A document's site is named by the host of its URL (a JSON record's `--url-field`, a WET
//! record's `WARC-Target-URI`): lowercased, without port, user info or a trailing dot, and
//! with a leading `www.` folded (`www.example.com` and `example.com` serve one template).
//! A document without a URL belongs to its input file (`file:PATH`: the pages of one dump
//! are one site), and a plain-text page to its directory (`dir:PATH`: a directory of pages
//! is one site's pages, not one site per page). Site names are interned per table as `u32`
//! ids ([`Sites`]); tables merged from parts (units of work, sign shards, the index) are
//! re-interned by name, so ids never depend on how the work was split.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::path::Path;

/// The site of a URL: its host, normalized (see the module documentation); `None` when the
/// URL has no host. Borrowed from `url` unless it had to be lowercased (a copy per document
/// was 3% of pass 1 on short documents).
pub fn host_of(url: &str) -> Option<Cow<'_, str>> {
    let url = url.trim();
    // After the scheme (`https://`), or a scheme-relative `//`; a bare `host/path` as is.
    let rest = match url.find("://") {
        Some(i)
            if url[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            &url[i + 3..]
        }
        _ => url.strip_prefix("//").unwrap_or(url),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        // An IPv6 literal: up to its closing bracket.
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.');
    let host = if host
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        let lower = host.to_lowercase();
        match lower.strip_prefix("www.") {
            Some(rest) => Cow::Owned(rest.to_owned()),
            None => Cow::Owned(lower),
        }
    } else {
        Cow::Borrowed(host.strip_prefix("www.").unwrap_or(host))
    };
    (!host.is_empty() && !host.contains(char::is_whitespace)).then_some(host)
}

/// The site name of a document: the host of `url` if it has one, else its input file
/// (`file:PATH`), or for a plain-text page its directory (`dir:PATH`).
pub fn name_of<'a>(url: Option<&'a str>, path: &Path, text_page: bool) -> Cow<'a, str> {
    if let Some(host) = url.and_then(host_of) {
        return host;
    }
    Cow::Owned(if text_page {
        let dir = path.parent().unwrap_or(Path::new(""));
        format!("dir:{}", dir.display())
    } else {
        format!("file:{}", path.display())
    })
}

/// Interned site names: a document stores its site as an index into `names`.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Sites {
    /// Site names, by id.
    pub(crate) names: Vec<Box<str>>,
    /// Name → id (rebuilt from `names` after deserializing).
    #[serde(skip)]
    ids: HashMap<Box<str>, u32>,
}

impl Sites {
    /// The id of `name`, added if new.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if self.ids.len() != self.names.len() {
            self.ids = (0..self.names.len() as u32)
                .map(|i| (self.names[i as usize].clone(), i))
                .collect();
        }
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The name of site `id` (`""` if unknown).
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        let h = |u: &'static str| host_of(u);
        assert_eq!(
            h("https://www.Example.COM/a/b?q#f").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            h("http://user:pw@news.example.com:8080/x").as_deref(),
            Some("news.example.com")
        );
        assert_eq!(h("//example.com./x").as_deref(), Some("example.com"));
        assert_eq!(h("example.com/x").as_deref(), Some("example.com"));
        assert_eq!(h("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(h("https://www.bücher.DE/").as_deref(), Some("bücher.de"));
        assert_eq!(
            h("https://WWW.Ünï.example/").as_deref(),
            Some("ünï.example")
        );
        assert_eq!(h("https://wwwx.org/").as_deref(), Some("wwwx.org"));
        assert_eq!(h(""), None);
        assert_eq!(h("https:///path"), None);
    }

    #[test]
    fn pages_without_urls_belong_to_their_file_or_directory() {
        let p = Path::new("dumps/pages/a.txt");
        assert_eq!(name_of(None, p, true), "dir:dumps/pages");
        assert_eq!(name_of(None, p, false), "file:dumps/pages/a.txt");
        assert_eq!(
            name_of(Some("not a url"), p, false),
            "file:dumps/pages/a.txt"
        );
        assert_eq!(name_of(Some("https://www.x.org/1"), p, true), "x.org");
    }

    #[test]
    fn interning_is_by_name() {
        let mut s = Sites::default();
        assert_eq!(s.intern("a"), 0);
        assert_eq!(s.intern("b"), 1);
        assert_eq!(s.intern("a"), 0);
        let mut t: Sites = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(t.intern("b"), 1);
        assert_eq!(t.intern("c"), 2);
        assert_eq!(t.name(2), "c");
    }
}
