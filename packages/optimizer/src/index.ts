// The public API of @hpo/optimizer. Other packages import only from here.
export {};
