//! The layers of `src/` point down only (ARCHITECTURE.md): a file of one folder may name
//! (`crate::…`) its own folder and the folders below it, never one above. Test code (an item
//! under `#[cfg(test)]`, a `tests.rs` file) may build fixtures from any layer, and doc comments
//! may link anywhere; what is checked is the code the library is made of.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// The folders of `src/`, lowest first.
const LAYERS: &[&str] = &[
    "model", "input", "history", "env", "detect", "policy", "output", "replay",
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// The text of `source` without its test items and comments.
fn library_code(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            // Skip the item: one line ending in `;`, or up to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            let rest = trimmed.trim_start_matches("#[cfg(test)]");
            for l in std::iter::once(rest).chain(lines.by_ref()) {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                opened |= l.contains('{');
                let done = if opened {
                    depth <= 0
                } else {
                    l.trim_end().ends_with(';')
                };
                if done {
                    break;
                }
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Each `crate::<module>` a piece of library code of `layer` names that breaks the order: a
/// higher layer, or a name that is no layer (the crate root's re-exports hide which layer an
/// item is from, so library code names the layer).
fn violations(layer: &str, code: &str) -> Vec<String> {
    let own = rank(layer).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let preceded = code[..at].chars().next_back();
        if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = code[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        match rank(&name) {
            Some(r) if r <= own => {}
            Some(_) => out.push(format!("`{layer}` names the higher layer `{name}`")),
            None => out.push(format!(
                "`{layer}` names `crate::{name}`, which is no layer"
            )),
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn layers_point_down_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    let mut checked = 0;
    for path in &files {
        let relative = path.strip_prefix(&src).unwrap();
        let mut parts = relative.iter().map(|p| p.to_string_lossy().into_owned());
        let first = parts.next().unwrap();
        if relative.components().count() == 1 {
            // lib.rs, the crate root, re-exports from every layer.
            assert_eq!(
                first,
                "lib.rs",
                "a file beside the layers: {}",
                relative.display()
            );
            continue;
        }
        assert!(
            rank(&first).is_some(),
            "`{first}` is no layer: add it to LAYERS and ARCHITECTURE.md"
        );
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(path).unwrap());
        for v in violations(&first, &code) {
            found.push(format!("{}: {v}", relative.display()));
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(
        found.is_empty(),
        "layers pointing up:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_lower_layer_naming_a_higher_one() {
    let code = "use crate::model::geo::GeoPoint;\nuse crate::policy::Policy;\n";
    assert_eq!(
        violations("history", code),
        ["`history` names the higher layer `policy`"]
    );
    assert!(violations("replay", code).is_empty());
    assert_eq!(
        violations("detect", "let p = crate::Profile::new();"),
        ["`detect` names `crate::Profile`, which is no layer"]
    );
    // `$crate::` in a macro is the same path.
    assert_eq!(violations("model", "$crate::env::x!()").len(), 1);
}

#[test]
fn test_items_and_comments_are_not_library_code() {
    let source = "use crate::model::text;\n\
                  /// See [`Policy`](crate::policy::Policy).\n\
                  #[cfg(test)]\n\
                  use crate::policy::Policy;\n\
                  #[cfg(test)]\n\
                  mod tests {\n    use crate::policy::Policy;\n    fn f() { {} }\n}\n\
                  fn after() {}\n";
    let code = library_code(source);
    assert!(violations("model", &code).is_empty(), "{code}");
    assert!(code.contains("fn after()"), "{code}");
}
