//! No module of ours depends on itself through others. Each source file is a module; a file
//! depends on another when it names it (`use crate::a::b::C`, `super::x`, `crate::a::f(..)` in
//! code). A parent owning a child is not a dependency, nor is a child naming an ancestor. A
//! cycle means two files that can only be understood, changed and tested together: the test
//! names it so that one of them can give up its half (usually plain data moving to a leaf file).
//!
//! This reads the sources as text, not as Rust: test modules (from the first `#[cfg(test)]` on)
//! and comment lines are left out, and names are resolved to the longest module path that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's crates whose modules are checked.
const CRATES: &[&str] = &["core/src", "server/src", "cli/src", "bindings/src"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_owned()
}

/// Every `.rs` file under `dir` with its module path (`a::b`; the crate root is ``).
fn modules(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(dir).expect("under dir").with_extension("");
                let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
                    parts.clear();
                }
                found.insert(parts.join("::"), path);
            }
        }
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// An identifier at the start of `s`, and the rest.
fn ident(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

/// The text of a `{ ... }` group at the start of `s` (without the braces).
fn group(s: &str) -> &str {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[1..i];
                }
            }
            _ => {}
        }
    }
    ""
}

/// The first path of a use-group item: `b::c::{..}` -> [`b`, `c`]; `self` -> [].
fn item_path(item: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = item.trim();
    while let Some((id, after)) = ident(rest) {
        if id == "self" {
            break;
        }
        out.push(id.to_owned());
        match after.strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// The absolute paths (from the crate root) that the code of module `module` names.
fn named_paths(module: &str, source: &str) -> Vec<Vec<String>> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let code: String = code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let here: Vec<String> = if module.is_empty() { Vec::new() } else { module.split("::").map(str::to_owned).collect() };
    let mut paths = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let Some((word, _)) = ident(rest) else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let before_ok = code[..at].chars().next_back().is_none_or(|c| !is_ident(c) && c != ':');
        at += word.len();
        if !before_ok || !matches!(word, "crate" | "super" | "self") || !code[at..].starts_with("::") {
            continue;
        }
        let mut base = match word {
            "crate" => Vec::new(),
            "super" => here[..here.len().saturating_sub(1)].to_vec(),
            _ => here.clone(),
        };
        let mut tail = &code[at..];
        let mut segments = Vec::new();
        while let Some(next) = tail.strip_prefix("::") {
            if next.starts_with('{') {
                let inner = group(next);
                let mut depth = 0;
                let mut start = 0;
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            paths.push([base.clone(), segments.clone(), item_path(&inner[start..i])].concat());
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                paths.push([base.clone(), segments.clone(), item_path(&inner[start..])].concat());
                segments.clear();
                break;
            }
            let Some((id, after)) = ident(next) else { break };
            if id == "super" && segments.is_empty() {
                base.pop();
            } else {
                segments.push(id.to_owned());
            }
            tail = after;
        }
        if !segments.is_empty() {
            paths.push([base, segments].concat());
        }
    }
    paths
}

/// The module that `path` lands in: its longest prefix that is a module.
fn resolve<'a>(path: &[String], known: &'a BTreeMap<String, PathBuf>) -> Option<&'a str> {
    (0..=path.len()).rev().find_map(|k| known.get_key_value(&path[..k].join("::")).map(|(m, _)| m.as_str()))
}

/// Which module depends on which, within one crate.
fn dependencies(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let known = modules(dir);
    let mut graph = BTreeMap::new();
    for (module, file) in &known {
        let source = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut uses = BTreeSet::new();
        for path in named_paths(module, &source) {
            if let Some(target) = resolve(&path, &known) {
                let ancestor = target.is_empty() || module.starts_with(&format!("{target}::"));
                if target != module && !ancestor {
                    uses.insert(target.to_owned());
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(node: &str, graph: &BTreeMap<String, BTreeSet<String>>, marks: &mut BTreeMap<String, Mark>, trail: &mut Vec<String>) -> Option<Vec<String>> {
        marks.insert(node.to_owned(), Mark::Open);
        trail.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = trail.iter().position(|m| m == next).expect("open nodes are on the trail");
                    return Some([&trail[from..], std::slice::from_ref(next)].concat());
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, graph, marks, trail) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        trail.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn no_module_depends_on_itself_through_others() {
    for krate in CRATES {
        let graph = dependencies(&root().join(krate));
        assert!(graph.len() > 5, "{krate}: too few modules found ({}); is the path right?", graph.len());
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{krate}: a module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_sees_uses_groups_and_paths_in_code() {
    let source =
        "use crate::a::{b::C, d};\nuse super::e;\n// use crate::f;\nfn g() { crate::h::i(); self::j::k(); }\n#[cfg(test)]\nmod tests { use crate::z; }";
    let paths: Vec<String> = named_paths("m::n", source).into_iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["a::b::C", "a::d", "m::e", "h::i", "m::n::j::k"]);
}

#[test]
fn a_cycle_is_found_and_a_tree_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).to_owned()).or_default().insert((*b).to_owned());
            g.entry((*b).to_owned()).or_default();
        }
        g
    };
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
