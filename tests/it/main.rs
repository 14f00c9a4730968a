//! casefile's integration tests: one binary, modules by area, fixture projects built in
//! temporary folders and the real `casefile` binary run on them.

mod support;

mod audit;
mod browser;
mod charts;
mod check;
mod checkers;
mod cli;
mod conventions;
mod export;
mod hostile;
mod i18n;
mod incremental;
mod links;
mod pdf;
mod pdfopts;
mod profiles;
mod serve;
mod site;
mod typeset;
mod typos;
