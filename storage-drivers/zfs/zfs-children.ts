import { NestedDatasetsError } from '../common/errors.js';

/**
 * Child datasets of a dataset (a container can have them made below a bind-mounted dataset). A ZFS
 * snapshot does not include them and a copy would show them empty, so this driver refuses such a dataset
 * and names the children relative to it: the layers above may show those names to clients.
 */
export function nestedDatasetsError(dataset: string, children: readonly string[], what: string): NestedDatasetsError {
  const relative = children.map((child) => child.slice(dataset.length + 1));
  return new NestedDatasetsError(
    `cannot ${what} ${dataset}: it has nested datasets (${children.join(', ')}), which this driver does not capture`,
    relative,
  );
}
