// Public surface of the face core: SyncNet v2 face crops and v4 mouth crops.
export * from './crop';
