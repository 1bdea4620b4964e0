/* Grows a G1 heap from its initial size: G1 commits regions into the
 * PROT_NONE reservation as the live set grows, then the program drops
 * half of them and collects. */
public class Alloc {
	public static void main(String[] a) {
		java.util.ArrayList<byte[]> keep = new java.util.ArrayList<>();
		for (int i = 0; i < 96; i++)
			keep.add(new byte[1 << 20]);
		for (int i = 0; i < keep.size(); i += 2)
			keep.set(i, null);
		System.gc();
		System.out.println(keep.size());
	}
}
