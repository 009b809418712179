import { generateKeyPair, SignJWT } from 'jose';
it('signs', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  expect(
    (await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)).split('.'),
  ).toHaveLength(3);
});
