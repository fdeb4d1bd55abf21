//! JSON documents for hostile-input tests: random trees over a leaf strategy, and every JSON pointer of
//! a document (to replace one member at a time).

use proptest::prelude::*;
use serde_json::Value;

/// Trees of arrays and objects, up to `depth` deep, over `leaf`; object keys from `key`.
pub fn tree(
    leaf: BoxedStrategy<Value>,
    key: BoxedStrategy<String>,
    depth: u32,
    width: usize,
) -> BoxedStrategy<Value> {
    leaf.prop_recursive(depth, 16, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..width).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..width)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Every JSON pointer of a document, the root (`""`) first.
pub fn pointers(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                walk(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}
