/**
 * `csvUpload` in a job definition: the console may start runs of the job from a CSV file an
 * operator uploads. The file is stored in the dashboard's upload directory under a name of the
 * dashboard's choosing, checked (size, text, CSV shape, required columns), and its path is given
 * to the run as the param `param`; it is kept until the run ends. Workers must see the same
 * directory (one machine, or a shared volume).
 */

export interface CsvUploadOption {
  /** The param that receives the uploaded file's absolute path, e.g. `'path'`. */
  readonly param: string;
  /**
   * Header columns the file must have (in any order); a file without them is refused with the
   * missing names. @defaultValue none: any header
   */
  readonly requiredColumns?: readonly string[];
  /** Largest file accepted, in bytes, below the dashboard's own limit. @defaultValue the dashboard's */
  readonly maxBytes?: number;
  /** The field delimiter the upload is checked with (the job's `csv` must read it alike). @defaultValue ',' */
  readonly delimiter?: string;
}
