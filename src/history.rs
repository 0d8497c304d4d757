//! The engine's SQL port on Cloudflare D1 (the `HISTORY` binding), called through the binding's
//! own JS methods: `prepare(sql).bind(...params).all()` for reads, and `batch([...])` inside
//! `ctx.waitUntil` for the writes made after the response. Without the binding, verifications
//! go on: the first request of an isolate logs it, and the Attempts routes answer 500 naming it.

use std::cell::Cell;
use std::rc::Rc;

use edge_verify_core::history::{Database, Row, SqlValue, Statement, BINDING};
use edge_verify_core::ports::StoreError;
use wasm_bindgen::prelude::*;
use worker::js_sys::{self, Array, Promise, Reflect};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_error, Context, Env};

use crate::platform::js_error;

#[wasm_bindgen]
extern "C" {
    /// A D1 database binding.
    #[derive(Clone)]
    pub type D1Database;
    #[wasm_bindgen(method, catch)]
    fn prepare(this: &D1Database, sql: &str) -> Result<D1Statement, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn batch(this: &D1Database, statements: &Array) -> Result<Promise, JsValue>;

    /// A prepared D1 statement.
    pub type D1Statement;
    #[wasm_bindgen(method, catch, variadic)]
    fn bind(this: &D1Statement, values: &Array) -> Result<D1Statement, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn all(this: &D1Statement) -> Result<Promise, JsValue>;
}

thread_local! {
    static MISSING_LOGGED: Cell<bool> = const { Cell::new(false) };
}

/// D1 behind the engine's [`Database`] port.
pub struct WorkerDb {
    binding: Option<D1Database>,
    ctx: Rc<Context>,
}

impl WorkerDb {
    /// The D1 database bound as [`BINDING`]; when there is none, says so once per isolate.
    pub fn new(env: &Env, ctx: Rc<Context>) -> Self {
        let binding = Reflect::get(env, &JsValue::from_str(BINDING)).ok().filter(|b| b.is_object()).map(JsCast::unchecked_into);
        if binding.is_none() && !MISSING_LOGGED.with(|l| l.replace(true)) {
            console_error!("configuration error: the {BINDING} binding (a D1 database) is missing: verifications work, /v2/Attempts answers 500 (docs/deploy.md)");
        }
        Self { binding, ctx }
    }
}

fn params(values: &[SqlValue]) -> Array {
    values
        .iter()
        .map(|v| match v {
            SqlValue::Null => JsValue::NULL,
            SqlValue::Int(n) => JsValue::from_f64(*n as f64),
            SqlValue::Real(f) => JsValue::from_f64(*f),
            SqlValue::Text(t) => JsValue::from_str(t),
        })
        .collect()
}

fn statement(db: &D1Database, sql: &str, values: &[SqlValue]) -> Result<D1Statement, JsValue> {
    let prepared = db.prepare(sql)?;
    if values.is_empty() {
        Ok(prepared)
    } else {
        prepared.bind(&params(values))
    }
}

fn failed(err: &JsValue) -> StoreError {
    StoreError(format!("D1 {BINDING}: {}", js_error(err)))
}

impl Database for WorkerDb {
    fn bound(&self) -> bool {
        self.binding.is_some()
    }

    async fn query(&self, sql: &str, values: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        let db = self.binding.as_ref().ok_or_else(|| StoreError(format!("the {BINDING} binding is missing")))?;
        let result = JsFuture::from(statement(db, sql, values).and_then(|s| s.all()).map_err(|e| failed(&e))?).await.map_err(|e| failed(&e))?;
        let rows = Reflect::get(&result, &JsValue::from_str("results")).map_err(|e| failed(&e))?;
        let text = js_sys::JSON::stringify(&rows).map(String::from).map_err(|e| failed(&e))?;
        serde_json::from_str(&text).map_err(|e| StoreError(format!("D1 {BINDING}: rows do not decode: {e}")))
    }

    fn run_later(&self, statements: Vec<Statement>) {
        let Some(db) = self.binding.clone() else { return };
        self.ctx.wait_until(async move {
            let batch = || -> Result<Promise, JsValue> {
                let list = Array::new();
                for s in &statements {
                    list.push(&JsValue::from(statement(&db, &s.sql, &s.params)?));
                }
                db.batch(&list)
            };
            let done = match batch() {
                Ok(promise) => JsFuture::from(promise).await.map(|_| ()),
                Err(err) => Err(err),
            };
            if let Err(err) = done {
                console_error!("error 20500: a history write after the response failed: {}", js_error(&err));
            }
        });
    }
}
