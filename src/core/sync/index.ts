// Public surface of the sync core: 25-fps grid windows and the SyncNet offset search.
export * from './windows';
export * from './offset-search';
