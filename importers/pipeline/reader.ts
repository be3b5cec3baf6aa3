// The file-reading library (importers/), as the pipeline uses it.
export type { CrsGuess, EncodingGuess, FieldInfo, FileProblem, SourceDataset, SourceFeature, TextEncoding } from '../source.ts';
export { ImportFileError } from '../source.ts';
export { openUpload } from '../open-upload.ts';
