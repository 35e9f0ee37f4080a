// ───────────────────────── Chapter 9: What to Keep (VIP) ─────────────────────────
=== chapter_9 ===
{ not vip(): -> vip_gate }
{t("Chapter 9 · What to Keep", "Capítulo 9 · Lo que se conserva")} #chapter:9 #title
-> c9_01

=== c9_01 ===
{t("Diana reads the words on the mirrors without surprise. She has, you realise, been reading them in her sleep for a year.", "Diana lee las palabras de los espejos sin sorpresa. Lleva, te das cuenta, un año leyéndolas en sueños.")} #scene:9_01
{t("“This house was built to keep things safe,” she says. “My grandmother's grandmother built it, after a war took everything she had. It keeps whatever it reflects long enough. It kept me because I asked it to. Now it has seen the hand in the painting come through the door, and it will let me go. But it will not let go of everything. Nothing ever does. Someone has to choose what stays.”", "—Esta casa se construyó para guardar las cosas a salvo —dice—. La levantó la abuela de mi abuela, después de que una guerra se lo llevara todo. Guarda lo que refleja el tiempo suficiente. Me guardó a mí porque yo se lo pedí. Ahora ha visto la mano del cuadro cruzar la puerta, y me dejará marchar. Pero no lo soltará todo. Nada lo suelta todo. Alguien tiene que elegir qué se queda.")}
{t("“And if nobody chooses by dawn, it keeps everything. The street goes back to being a wall. And I go back to being glass, and this time I do not think I would come out.”", "—Y si al amanecer nadie ha elegido, se lo queda todo. La calle vuelve a ser un muro. Y yo vuelvo a ser cristal, y esta vez creo que ya no saldría.")}
+ [{t("“Then I will choose.”", "—Entonces elegiré yo.")} #emo:direct+2] -> c9_02
+ [{t("“What do you want me to choose?”", "—¿Qué quieres que elija?")} #emo:empath+1] -> c9_01_want

=== c9_01_want ===
{t("“If I told you, it would be my choice wearing your coat,” she says. “The house would know. It always knows. I wrote you everything I could in the letter. The rest is yours.”", "—Si te lo dijera, sería mi elección con tu abrigo puesto —dice—. La casa lo notaría. Siempre lo nota. Te escribí en la carta todo lo que podía decirte. El resto es cosa tuya.")} #scene:9_01b
+ [{t("Nod", "Asentir")}] -> c9_02

=== c9_02 ===
{t("Lucien has not moved from the doorway.", "Lucien no se ha movido del umbral.")} #scene:9_02
{
- trust >= 9:
    {t("“Whatever you choose,” he says, “I will stand by it. I have been deciding everything in this house for a year, and I decided badly. It is a relief to put it in better hands.”", "—Elijas lo que elijas —dice—, lo respetaré. Llevo un año decidiéndolo todo en esta casa, y lo he decidido mal. Es un alivio dejarlo en mejores manos.")}
- trust >= 5:
    {t("“I do not know what you should choose,” he says. “A week ago I would have told you. I have found out since that I do not know nearly as much as I thought about keeping people.”", "—No sé qué deberías elegir —dice—. Hace una semana te lo habría dicho. Desde entonces he descubierto que sé mucho menos de lo que creía sobre guardar a las personas.")}
- else:
    {t("“Choose her,” he says, low and urgent. “Keep her. Here, safe, where nobody like Aubrac can ever reach her again. I know what she wrote. I know. But she will be here. Isn't that enough?”", "—Elígela a ella —dice, en voz baja y con urgencia—. Consérvala. Aquí, a salvo, donde nadie como Aubrac pueda alcanzarla nunca más. Sé lo que te escribió. Lo sé. Pero estará aquí. ¿No basta con eso?")}
}
+ [{t("Go on", "Seguir")}] -> c9_03

=== c9_03 ===
{t("The mirrors clear, one by one, and in each of them the house shows you something it is willing to give back.", "Los espejos se aclaran uno a uno, y en cada uno la casa te muestra algo que está dispuesta a devolver.")} #scene:9_03 #consequence:silk #consequence:collector
{
- silk == "lifted":
    {t("It speaks to you directly, in the old careful hand, because you lifted the silk yourself: “You uncovered it. You choose.”", "Te habla directamente a ti, con la letra antigua y cuidadosa, porque levantaste la seda con tus propias manos: «Tú lo descubriste. Tú eliges».")}
- silk == "asked":
    {t("It writes to you and to Lucien both, because you lifted the silk together: “You uncovered it, the two of you.” Lucien reads it and shakes his head. “I chose once, a year ago,” he says. “You choose.”", "Os escribe a ti y a Lucien a la vez, porque levantasteis la seda entre los dos: «Lo descubristeis juntos». Lucien lo lee y niega con la cabeza. —Yo ya elegí una vez, hace un año —dice—. Elige tú.")}
- else:
    {t("It writes to Lucien, because he lifted the silk: “You uncovered it. You choose.” Lucien looks at the words for a long time. Then he turns to you. “I chose once already, when I hid it,” he says. “I should not be allowed a second time. Please.”", "Le escribe a Lucien, porque fue él quien levantó la seda: «Tú lo descubriste. Tú eliges». Lucien se queda mucho rato mirando las palabras. Luego se vuelve hacia ti. —Yo ya elegí una vez, cuando lo escondí —dice—. No deberían dejarme hacerlo dos veces. Por favor.")}
}
{
- collector == "lied":
    {t("In one mirror, small and patient, the words you said to Aubrac still hang in the fog: “It burned.” The house has not forgotten the lie. It does not hold it against you, exactly. It only wants you to know it was noticed.", "En uno de los espejos, pequeñas y pacientes, siguen flotando en el vaho las palabras que le dijiste a Aubrac: «Ardió». La casa no ha olvidado la mentira. No te la reprocha, exactamente. Solo quiere que sepas que se dio cuenta.")}
- collector == "truth":
    {t("In one mirror, the gallery: the twelfth frame, still empty, but the wallpaper behind it no longer paler than the rest, as if the house had already begun to forgive the gap.", "En uno de los espejos, la galería: el duodécimo marco, todavía vacío, pero el papel pintado de detrás ya no es más claro que el resto, como si la casa hubiera empezado a perdonar el hueco.")}
- else:
    {t("In one mirror, Diana as she stood before Aubrac, masked and upright. The house keeps that one without being asked. It seems proud of her.", "En uno de los espejos, Diana tal como se plantó ante Aubrac, con máscara y bien erguida. Esa imagen la casa la guarda sin que nadie se lo pida. Parece orgullosa de ella.")}
}
+ [{t("Look at what the house is offering", "Mirar lo que ofrece la casa")}] -> c9_04

=== c9_04 ===
{t("Four mirrors, brighter than the rest.", "Cuatro espejos, más luminosos que los demás.")} #scene:9_04
{t("In the first, the portrait of the door and the hand, hung at last in the gallery with no silk over it. In the second, the key to the front gate, lying on the flagstones in the first light. In the third, Diana's letter, in your own hand, folded small. And in the fourth, Diana herself, exactly as she is now, kept, safe, perfect, and very still.", "En el primero, el retrato de la puerta y la mano, colgado por fin en la galería sin seda encima. En el segundo, la llave de la verja principal, sobre las losas, con la primera luz. En el tercero, la carta de Diana, en tu mano, doblada en pequeño. Y en el cuarto, la propia Diana, tal como está ahora: guardada, a salvo, perfecta e inmóvil.")}
{ letter == "opened" || letter == "candle" || letter == "sealed":
    {t("You remember the letter: “Do not choose me. People who are kept stop being people.”", "Recuerdas la carta: «No me elijas a mí. Lo que se conserva deja de estar vivo».")}
}
+ [{t("Keep the portrait: let the house keep the painting, and let her go", "Conservar el retrato: que la casa se quede con el cuadro y la deje ir a ella")} #emo:poet+1 #branch:kept]
    ~ kept = "portrait"
    -> c9_05
+ [{t("Keep the key: let the gate stay open, whatever it costs the house", "Conservar la llave: que la verja quede abierta, le cueste a la casa lo que le cueste")} #emo:direct+1 #branch:kept]
    ~ kept = "key"
    -> c9_05
+ [{t("Keep the letter: only the memory, and let everything else go", "Conservar la carta: solo el recuerdo, y dejar ir todo lo demás")} #emo:persistent+1 #branch:kept]
    ~ kept = "letter"
    -> c9_05
+ [{t("Keep Diana: you cannot lose her now", "Conservar a Diana: ahora no puedes perderla")} #emo:empath+1 #branch:kept]
    ~ kept = "diana"
    -> c9_05
+ {arch_empath >= 0.4 || dominant == "empath"} [{t("Because you know what it is to be chosen for: give the choice back to Diana", "Como sabes lo que es que otros elijan por ti: devolverle la elección a Diana")} #sig:empath #emo:empath+2 #branch:kept]
    ~ kept = "nothing"
    ~ closeness += 2
    -> c9_05

=== c9_05 ===
{
- kept == "portrait":
    {t("You touch the first mirror. The painting of the door and the hand shivers, and then settles, as if it had been waiting to be allowed to hang still. “Yes,” says the house, in every glass at once, not in words. The portrait will stay. It will be the house's, and the house will be content with it.", "Tocas el primer espejo. El cuadro de la puerta y la mano se estremece y luego se asienta, como si esperara permiso para quedarse quieto en la pared. «Sí», dice la casa en todos los cristales a la vez, sin palabras. El retrato se quedará. Será de la casa, y la casa se conformará con él.")} #scene:9_05
- kept == "key":
    {t("You touch the second mirror. Somewhere far below, metal rings on stone: the key to the front gate, falling from wherever the house has been keeping it. The windows on every floor rattle in their frames. A house that cannot close its gate is not a house that can keep anything, and it knows it, and it lets you choose it anyway.", "Tocas el segundo espejo. En algún lugar muy abajo, un metal resuena contra la piedra: la llave de la verja principal, que cae desde donde la casa la guardaba. Las ventanas de todos los pisos tiemblan en sus marcos. Una casa que no puede cerrar la verja no puede guardar nada, y lo sabe, y aun así te deja elegirlo.")} #scene:9_05
- kept == "letter":
    {t("You touch the third mirror. In your pocket the letter grows warm, and heavy, heavier than paper, as heavy as it was the first night on your doormat. The house has given you the one thing it is made of: a memory, kept. Everything else it will have to let go.", "Tocas el tercer espejo. En tu bolsillo la carta se calienta y pesa, pesa más que el papel, tanto como aquella primera noche en el felpudo. La casa te ha dado lo único de lo que está hecha: un recuerdo guardado. Todo lo demás tendrá que soltarlo.")} #scene:9_05
- kept == "diana":
    {t("You touch the fourth mirror. Diana, the real one beside you, says “No,” very softly, but it is already done. The glass does not shatter. It simply becomes very clear, clearer than air, and the Diana beside you is a little less there than she was, and the Diana in the mirror a little more.", "Tocas el cuarto espejo. Diana, la de verdad, la que está a tu lado, dice «no» muy bajito, pero ya está hecho. El cristal no se rompe. Solo se vuelve muy claro, más claro que el aire, y la Diana que tienes al lado está un poco menos que antes, y la del espejo un poco más.")} #scene:9_05
- else:
    {t("You touch none of the mirrors. You turn to Diana instead and hold out your empty hand, palm up, exactly like the hand in the painting. “Your house,” you say. “Your choice.” For a moment nothing in the room moves. Then every mirror in the studio clears at once, as if the house had let out a breath it had been holding for a hundred years.", "No tocas ningún espejo. Te vuelves hacia Diana y le tiendes la mano vacía, con la palma hacia arriba, exactamente como la mano del cuadro. —Tu casa —dices—. Tu elección. Durante un instante nada se mueve en la sala. Luego todos los espejos del estudio se aclaran a la vez, como si la casa soltara un aliento que llevaba cien años conteniendo.")} #scene:9_05
}
+ [{t("Wait for dawn", "Esperar al amanecer")}] -> chapter_10
