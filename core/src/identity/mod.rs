//! Who may call, and as which account: the main account (from the deployment's secrets),
//! subaccounts and API keys, with their operations and 2010-04-01 resources.

pub mod accounts;
pub mod authenticate;
pub mod keys;
pub mod principal;
pub mod records;
pub mod store;
